import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import type { S3Location } from "../location/MediaLocation.ts"
import type { InvalidConfiguration } from "./InvalidConfiguration.ts"
import { loadFromEnv } from "./loadFromEnv.ts"
import { parseS3EnvAt, parseStorageEnv, parseStorageEnvFor, STORAGE_ENV_VARIABLES } from "./parseStorageEnv.ts"
import type { StorageEngineName } from "./parseStorageEnv.ts"
import type { StorageSettings } from "./StorageSettings.ts"

export const loadStorageSettings = loadFromEnv(STORAGE_ENV_VARIABLES, (env) => parseStorageEnv(env, process.cwd()))

/** The settings of the engine the caller chose (the CLI's migration target), not of IMMICH_STORAGE_ENGINE. */
export const loadStorageSettingsFor = (engine: StorageEngineName) =>
  loadFromEnv(STORAGE_ENV_VARIABLES, (env) => parseStorageEnvFor(engine, env, process.cwd()))

/** The S3 settings for a location the CLI was given, with the endpoint, credentials and the rest of S3_*. */
export const loadS3SettingsAt = (location: S3Location) =>
  loadFromEnv(STORAGE_ENV_VARIABLES, (env) => parseS3EnvAt(location, env))

/** The validated storage settings, loaded once at boot. */
export class StorageConfig
  extends Context.Service<StorageConfig, StorageSettings>()("@immich-storage/core/StorageConfig") {
  static readonly layer: Layer.Layer<StorageConfig, InvalidConfiguration> = Layer.effect(
    StorageConfig,
    loadStorageSettings
  )
  static readonly layerFrom = (settings: StorageSettings): Layer.Layer<StorageConfig> =>
    Layer.succeed(StorageConfig, settings)
}
