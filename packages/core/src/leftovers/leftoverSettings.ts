import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { InvalidConfiguration } from "../config/InvalidConfiguration.ts"
import { loadFromEnv } from "../config/loadFromEnv.ts"
import { DEFAULT_LEFTOVER_MAX_AGE_MS, DURATION_HINT, parseDuration } from "./leftoverRules.ts"

export const LEFTOVER_ENV_VARIABLES = ["IMMICH_LEFTOVER_MAX_AGE"] as const
export type LeftoverEnv = Partial<Record<typeof LEFTOVER_ENV_VARIABLES[number], string>>

export interface LeftoverSettings {
  /** Leftovers older than this are removed at boot and by `immich-storage cleanup`. */
  readonly maxAgeMs: number
}

export const parseLeftoverEnv = (env: LeftoverEnv): {
  readonly settings: LeftoverSettings
  readonly problems: ReadonlyArray<{ readonly variable: string; readonly problem: string }>
} => {
  const raw = env.IMMICH_LEFTOVER_MAX_AGE?.trim()
  if (raw === undefined || raw === "") return { settings: { maxAgeMs: DEFAULT_LEFTOVER_MAX_AGE_MS }, problems: [] }
  const maxAgeMs = parseDuration(raw)
  if (maxAgeMs === undefined) {
    return {
      settings: { maxAgeMs: DEFAULT_LEFTOVER_MAX_AGE_MS },
      problems: [{ variable: "IMMICH_LEFTOVER_MAX_AGE", problem: `"${raw}" is not an age; ${DURATION_HINT}` }]
    }
  }
  return { settings: { maxAgeMs }, problems: [] }
}

export const loadLeftoverSettings: Effect.Effect<LeftoverSettings, InvalidConfiguration> = loadFromEnv(
  LEFTOVER_ENV_VARIABLES,
  parseLeftoverEnv
)

export class LeftoverConfig
  extends Context.Service<LeftoverConfig, LeftoverSettings>()("@immich-storage/core/LeftoverConfig")
{
  static readonly layer: Layer.Layer<LeftoverConfig, InvalidConfiguration> = Layer.effect(
    LeftoverConfig,
    loadLeftoverSettings
  )
}
