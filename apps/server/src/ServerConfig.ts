import { Context, Effect, Layer } from "effect"
import { InvalidConfiguration, loadStorageSettings, readEnv, StorageConfig } from "@immich-storage/core"
import { parseServerEnv, SERVER_ENV_VARIABLES } from "./serverSettings.ts"
import type { ServerSettings } from "./serverSettings.ts"

export class ServerConfig extends Context.Service<ServerConfig, ServerSettings>()("@immich-storage/server/ServerConfig") {}

const readServerEnv = readEnv(SERVER_ENV_VARIABLES).pipe(Effect.orElseSucceed(() => ({})))

/**
 * The server's and the storage core's settings, validated together so that every problem in the
 * environment is reported in one message before anything starts.
 */
export const configLayer: Layer.Layer<ServerConfig | StorageConfig, InvalidConfiguration> = Layer.effectContext(
  Effect.gen(function*() {
    const server = parseServerEnv(yield* readServerEnv)
    const storage = yield* Effect.exit(loadStorageSettings)
    const storageProblems = storage._tag === "Failure"
      ? storage.cause.reasons.flatMap((r) => (r._tag === "Fail" ? r.error.problems : []))
      : []
    const problems = [...storageProblems, ...server.problems]
    if (problems.length > 0 || storage._tag === "Failure") return yield* new InvalidConfiguration({ problems })
    return Context.make(ServerConfig, server.settings).pipe(Context.add(StorageConfig, storage.value))
  })
)
