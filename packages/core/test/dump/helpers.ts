import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Database, DumpWriter, StorageEngine } from "@immich-storage/core"
import type { DatabaseShape, StorageEngineShape } from "@immich-storage/core"

/** A DumpWriter over the given engine and database, living as long as the caller's scope. */
export const dumpWriterOn = (engine: StorageEngineShape, db: DatabaseShape) =>
  Layer.build(DumpWriter.layer.pipe(Layer.provide(Layer.mergeAll(Layer.succeed(StorageEngine, engine), Layer.succeed(Database, db))))).pipe(
    Effect.map(Context.get(DumpWriter))
  )
