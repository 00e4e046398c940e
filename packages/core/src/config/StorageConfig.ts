import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import type { InvalidConfiguration } from "./InvalidConfiguration.ts"
import { loadFromEnv } from "./loadFromEnv.ts"
import type { StorageEnv } from "./parseStorageEnv.ts"
import { parseStorageEnv, STORAGE_ENV_VARIABLES } from "./parseStorageEnv.ts"
import type { StorageSettings } from "./StorageSettings.ts"

/**
 * The storage settings from the environment, with `overrides` on top: the CLI uses them to read the S3
 * settings for a bucket of its own choosing, or the target of a migration.
 */
export const storageSettingsWith = (overrides: StorageEnv = {}) =>
  loadFromEnv(STORAGE_ENV_VARIABLES, (env) => parseStorageEnv({ ...env, ...overrides }, process.cwd()))

export const loadStorageSettings = storageSettingsWith()

/** The validated storage settings, loaded once at boot. */
export class StorageConfig extends Context.Service<StorageConfig, StorageSettings>()("@immich-storage/core/StorageConfig") {
  static readonly layer: Layer.Layer<StorageConfig, InvalidConfiguration> = Layer.effect(StorageConfig, loadStorageSettings)
  static readonly layerFrom = (settings: StorageSettings): Layer.Layer<StorageConfig> => Layer.succeed(StorageConfig, settings)
}
