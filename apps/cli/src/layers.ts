import {
  Backups,
  CutOver,
  Database,
  DatabaseConfig,
  PathMigrator,
  StorageConfig,
  StorageEngine
} from "@immich-storage/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { CliFailure } from "./CliFailure.ts"

/** The configured database, created when it does not exist yet (as the server does). */
const database = Database.layer.pipe(Layer.provide(DatabaseConfig.layer))

/** Paths live in an existing Immich database: a mistyped name must not create an empty one (nor a dry run). */
const existingDatabase = Database.layerExisting.pipe(
  Layer.provide(DatabaseConfig.layer),
  Layer.catchTag("DatabaseMissing", (error) =>
    Layer.effect(
      Database,
      Effect.fail(
        new CliFailure({
          message: `The database ${error.target} does not exist (${error.detail}); check DB_DATABASE_NAME or DB_URL. ` +
            "migrate-paths works on an existing Immich database and creates none."
        })
      )
    ))
)

/**
 * Every service a command works with is built here, and nowhere else. They are provided to the commands that
 * use them (in `cli.ts`; to each `backups` subcommand, whose group alone shows its help; to `cleanup` only
 * when it removes), so that a command which needs none (config, sync, check-s3) never connects to anything.
 */
export const CliLayers = {
  database,
  cutOver: CutOver.layer.pipe(Layer.provide(PathMigrator.layer.pipe(Layer.provideMerge(database)))),
  pathMigrator: PathMigrator.layer.pipe(Layer.provide(existingDatabase)),
  backups: Backups.layer.pipe(
    Layer.provideMerge(Layer.mergeAll(StorageEngine.layer, Database.layer)),
    Layer.provide(Layer.mergeAll(StorageConfig.layer, DatabaseConfig.layer))
  )
}
