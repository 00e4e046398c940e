import { Config, Context, Effect, Layer, Option, Schema } from "effect"
import type { StorageEnv } from "./parseStorageEnv.ts"
import { parseStorageEnv, STORAGE_ENV_VARIABLES } from "./parseStorageEnv.ts"
import type { StorageSettings } from "./StorageSettings.ts"

export class InvalidConfiguration extends Schema.TaggedError<InvalidConfiguration>()("InvalidConfiguration", {
  problems: Schema.Array(Schema.Struct({ variable: Schema.String, problem: Schema.String }))
}) {
  override get message(): string {
    const count = this.problems.length
    return [
      `The configuration has ${count} problem${count === 1 ? "" : "s"}:`,
      ...this.problems.map(({ problem, variable }) => `  - ${variable} ${problem}`)
    ].join("\n")
  }
}

/** Reads the raw variables through Effect's ConfigProvider, so tests and the CLI can supply their own. */
const readStorageEnv: Effect.Effect<StorageEnv, InvalidConfiguration> = Config.all(
  Object.fromEntries(STORAGE_ENV_VARIABLES.map((name) => [name, Config.option(Config.String(name))]))
).pipe(
  Effect.map((values) => {
    const env: Record<string, string> = {}
    for (const [name, value] of Object.entries(values) as Array<[string, Option.Option<string>]>) {
      if (Option.isSome(value)) env[name] = value.value
    }
    return env as StorageEnv
  }),
  Effect.mapError((error: Config.ConfigError) =>
    new InvalidConfiguration({ problems: [{ variable: "environment", problem: `could not be read: ${error.message}` }] })
  )
)

export const loadStorageSettings: Effect.Effect<StorageSettings, InvalidConfiguration> = Effect.gen(function*() {
  const env = yield* readStorageEnv
  const parsed = parseStorageEnv(env, process.cwd())
  if (!parsed.ok) return yield* new InvalidConfiguration({ problems: parsed.problems })
  return parsed.settings
})

/** The validated storage settings, loaded once at boot. */
export class StorageConfig extends Context.Service<StorageConfig, StorageSettings>()("@immich-storage/core/StorageConfig") {
  static readonly layer: Layer.Layer<StorageConfig, InvalidConfiguration> = Layer.effect(StorageConfig, loadStorageSettings)
  static readonly layerFrom = (settings: StorageSettings): Layer.Layer<StorageConfig> => Layer.succeed(StorageConfig, settings)
}
