import { Config, Context, Effect, Layer, Option } from "effect"
import { InvalidConfiguration, loadStorageSettings, StorageConfig } from "@immich-storage/core"
import { parseServerEnv, SERVER_ENV_VARIABLES } from "./serverSettings.ts"
import type { ServerSettings } from "./serverSettings.ts"

export class ServerConfig extends Context.Service<ServerConfig, ServerSettings>()("@immich-storage/server/ServerConfig") {}

const readServerEnv = Config.all(
  Object.fromEntries(SERVER_ENV_VARIABLES.map((name) => [name, Config.option(Config.String(name))]))
).pipe(
  Effect.map((values) =>
    Object.fromEntries(
      (Object.entries(values) as Array<[string, Option.Option<string>]>).flatMap(([k, v]) => (Option.isSome(v) ? [[k, v.value]] : []))
    )
  ),
  Effect.orElseSucceed(() => ({}))
)

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
