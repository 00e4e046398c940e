import { Backups, Database, StorageEngine } from "@immich-storage/core"
import type { DatabaseShape, StorageEngineShape } from "@immich-storage/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/** The Backups service over the given engine and database, living as long as the caller's scope. */
export const backupsOn = (engine: StorageEngineShape, db: DatabaseShape) =>
  Layer.build(Backups.layer.pipe(
    Layer.provide(Layer.mergeAll(Layer.succeed(StorageEngine, engine), Layer.succeed(Database, db)))
  )).pipe(Effect.map(Context.get(Backups)))
