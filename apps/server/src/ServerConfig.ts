import {
  BackupConfig,
  DatabaseConfig,
  LeftoverConfig,
  loadAllSettings,
  SERVER_APPLICATION_NAME,
  StorageConfig
} from "@immich-storage/core"
import type { InvalidConfiguration, ServerSettings } from "@immich-storage/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

export class ServerConfig
  extends Context.Service<ServerConfig, ServerSettings>()("@immich-storage/server/ServerConfig") {}

/**
 * The server's, the storage core's, the database's and the backup job's settings, validated together so
 * that every problem in the environment is reported in one message before anything starts.
 */
export const configLayer: Layer.Layer<
  ServerConfig | StorageConfig | DatabaseConfig | BackupConfig | LeftoverConfig,
  InvalidConfiguration
> = Layer.effectContext(
  loadAllSettings.pipe(
    Effect.map(({ backup, database, leftovers, server, storage }) =>
      Context.make(ServerConfig, server).pipe(
        Context.add(StorageConfig, storage),
        Context.add(DatabaseConfig, { ...database, applicationName: SERVER_APPLICATION_NAME }),
        Context.add(BackupConfig, backup),
        Context.add(LeftoverConfig, leftovers)
      )
    )
  )
)
