import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { decoded, envReader, envVariable, refused } from "../config/envVariable.ts"
import type { Parsed } from "../config/envVariable.ts"
import type { InvalidConfiguration } from "../config/InvalidConfiguration.ts"
import { loadFromEnv } from "../config/loadFromEnv.ts"
import { DURATION_HINT, parseDuration } from "./leftoverRules.ts"

export const leftoverVariables = {
  maxAge: envVariable({
    name: "IMMICH_LEFTOVER_MAX_AGE",
    // DEFAULT_LEFTOVER_MAX_AGE_MS, as a user writes it (a test holds them equal).
    default: "24h",
    description: "Crash leftovers older than this are removed at every start (see [Crash " +
      "leftovers](#crash-leftovers)): hours (`48`), or `90m`, `24h`, `7d`; `0` removes every one found.",
    secret: false,
    decode: (text) => {
      const maxAgeMs = parseDuration(text)
      return maxAgeMs === undefined ? refused(`"${text}" is not an age; ${DURATION_HINT}`) : decoded(maxAgeMs)
    }
  })
}

export const LEFTOVER_ENV_VARIABLES = [leftoverVariables.maxAge.name]
export type LeftoverEnv = { readonly IMMICH_LEFTOVER_MAX_AGE?: string }

export interface LeftoverSettings {
  /** Leftovers older than this are removed at boot and by `immich-storage cleanup`. */
  readonly maxAgeMs: number
}

export const parseLeftoverEnv = (env: LeftoverEnv): Parsed<LeftoverSettings> => {
  const read = envReader(env)
  const maxAgeMs = read.get(leftoverVariables.maxAge)
  return read.result(() => ({ maxAgeMs: maxAgeMs! }))
}

export const loadLeftoverSettings: Effect.Effect<LeftoverSettings, InvalidConfiguration> = loadFromEnv(
  LEFTOVER_ENV_VARIABLES,
  parseLeftoverEnv
)

export class LeftoverConfig
  extends Context.Service<LeftoverConfig, LeftoverSettings>()("@immich-storage/core/LeftoverConfig") {
  static readonly layer: Layer.Layer<LeftoverConfig, InvalidConfiguration> = Layer.effect(
    LeftoverConfig,
    loadLeftoverSettings
  )
}
