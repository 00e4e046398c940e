import { Context, Effect, Exit, Layer } from "effect"
import { BackupConfig, DatabaseConfig, InvalidConfiguration, loadBackupSettings, loadDatabaseSettings, loadStorageSettings, readEnv, SERVER_APPLICATION_NAME, StorageConfig } from "@immich-storage/core"
import { parseServerEnv, SERVER_ENV_VARIABLES } from "./serverSettings.ts"
import type { ServerSettings } from "./serverSettings.ts"

export class ServerConfig extends Context.Service<ServerConfig, ServerSettings>()("@immich-storage/server/ServerConfig") {}

const readServerEnv = readEnv(SERVER_ENV_VARIABLES).pipe(Effect.orElseSucceed(() => ({})))

const problemsOf = <A>(exit: Exit.Exit<A, InvalidConfiguration>) =>
  Exit.isFailure(exit) ? exit.cause.reasons.flatMap((r) => (r._tag === "Fail" ? r.error.problems : [])) : []

/**
 * The server's, the storage core's, the database's and the backup job's settings, validated together so that every
 * problem in the environment is reported in one message before anything starts.
 */
export const configLayer: Layer.Layer<ServerConfig | StorageConfig | DatabaseConfig | BackupConfig, InvalidConfiguration> = Layer.effectContext(
  Effect.gen(function*() {
    const server = parseServerEnv(yield* readServerEnv)
    const storage = yield* Effect.exit(loadStorageSettings)
    const database = yield* Effect.exit(loadDatabaseSettings)
    const backup = yield* Effect.exit(loadBackupSettings)
    const problems = [...problemsOf(storage), ...problemsOf(database), ...problemsOf(backup), ...server.problems]
    if (problems.length > 0 || Exit.isFailure(storage) || Exit.isFailure(database) || Exit.isFailure(backup)) {
      return yield* new InvalidConfiguration({ problems })
    }
    return Context.make(ServerConfig, server.settings).pipe(
      Context.add(StorageConfig, storage.value),
      Context.add(DatabaseConfig, { ...database.value, applicationName: SERVER_APPLICATION_NAME }),
      Context.add(BackupConfig, backup.value)
    )
  })
)
