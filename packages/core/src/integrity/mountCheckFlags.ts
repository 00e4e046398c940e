import * as Effect from "effect/Effect"
import type { DatabaseShape } from "../db/Database.ts"
import { systemMetadata } from "../db/repositories/systemMetadata.ts"
import { STORAGE_FOLDERS } from "../location/StorageFolder.ts"
import type { StorageFolder } from "../location/StorageFolder.ts"

export const readMountCheckFlags = (db: DatabaseShape) =>
  systemMetadata.readMountChecks(db.query).pipe(
    Effect.map((checks) => new Set<StorageFolder>(STORAGE_FOLDERS.filter((folder) => checks[folder] === true)))
  )

/** Adds folders to the flags, keeping every other key Immich stores there. */
export const saveMountCheckFlags = (db: DatabaseShape, folders: ReadonlyArray<StorageFolder>) =>
  systemMetadata.addMountChecks(db.query, Object.fromEntries(folders.map((folder) => [folder, true] as const)))
