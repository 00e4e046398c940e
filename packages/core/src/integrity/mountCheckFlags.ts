import * as Effect from "effect/Effect"
import type { DatabaseShape } from "../db/Database.ts"
import { STORAGE_FOLDERS } from "../location/StorageFolder.ts"
import type { StorageFolder } from "../location/StorageFolder.ts"

/** Immich remembers which folders passed the mount check in `system_metadata`, as `{ mountChecks: { <folder>: true } }`. */
export const SYSTEM_FLAGS_KEY = "system-flags"

export const readMountCheckFlags = (db: DatabaseShape) =>
  db.query("read the mount-check flags", (sql) =>
    sql<Array<{ checks: Record<string, unknown> | null }>>`select value->'mountChecks' as checks from system_metadata where key = ${SYSTEM_FLAGS_KEY}`).pipe(
    Effect.map((rows) => {
      const checks = rows[0]?.checks ?? {}
      return new Set<StorageFolder>(STORAGE_FOLDERS.filter((folder) => checks[folder] === true))
    })
  )

/** Adds folders to the flags, keeping every other key Immich stores there. */
export const saveMountCheckFlags = (db: DatabaseShape, folders: ReadonlyArray<StorageFolder>) => {
  const checks = Object.fromEntries(folders.map((folder) => [folder, true]))
  return db.query("save the mount-check flags", (sql) =>
    sql`insert into system_metadata (key, value) values (${SYSTEM_FLAGS_KEY}, ${sql.json({ mountChecks: checks })})
        on conflict (key) do update set value = system_metadata.value
          || jsonb_build_object('mountChecks', coalesce(system_metadata.value->'mountChecks', '{}'::jsonb) || ${sql.json(checks)}::jsonb)`).pipe(
    Effect.asVoid
  )
}
