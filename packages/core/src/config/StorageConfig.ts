import { Context, Effect, Layer, Schema } from "effect"
import type { StorageEnv } from "./parseStorageEnv.ts"
import { parseStorageEnv, STORAGE_ENV_VARIABLES } from "./parseStorageEnv.ts"
import { readEnv } from "./readEnv.ts"
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

const readStorageEnv: Effect.Effect<StorageEnv, InvalidConfiguration> = readEnv(STORAGE_ENV_VARIABLES).pipe(
  Effect.mapError((error) =>
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
