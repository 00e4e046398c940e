import * as Context from "effect/Context"
import * as Cron from "effect/Cron"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import { asBoolean, asWholeNumber, decoded, envReader, envVariable, refused } from "../config/envVariable.ts"
import type { Parsed } from "../config/envVariable.ts"
import type { InvalidConfiguration } from "../config/InvalidConfiguration.ts"
import { loadFromEnv } from "../config/loadFromEnv.ts"
import { DEFAULT_KEEP_LAST } from "./retention.ts"

export interface BackupSettings {
  readonly enabled: boolean
  readonly cron: string
  readonly keepLast: number
}

/** Immich's defaults: every night at 02:00, keep the last 14. */
export const BACKUP_DEFAULTS: BackupSettings = { enabled: true, cron: "0 02 * * *", keepLast: DEFAULT_KEEP_LAST }

const asCron = (cron: string) => {
  const parsed = Cron.parse(cron)
  return Result.isFailure(parsed)
    ? refused(`"${cron}" is not a cron expression (${parsed.failure.message}); e.g. "0 02 * * *" for 02:00 every day`)
    : decoded(cron)
}

/** The backup job's variables. Immich keeps these in its admin settings; here they come from the environment. */
export const backupVariables = {
  enabled: envVariable({
    name: "DB_BACKUP_ENABLED",
    default: String(BACKUP_DEFAULTS.enabled),
    description: "Run the database-backup job on its schedule.",
    secret: false,
    decode: asBoolean
  }),
  cron: envVariable({
    name: "DB_BACKUP_CRON",
    default: BACKUP_DEFAULTS.cron,
    description: "When the job runs (cron: 5 fields, or 6 with seconds first), in the server's time zone.",
    secret: false,
    decode: asCron
  }),
  keepLast: envVariable({
    name: "DB_BACKUP_KEEP_LAST",
    default: String(BACKUP_DEFAULTS.keepLast),
    description: "Routine backups kept (at least 1); older ones are deleted after each successful backup.",
    secret: false,
    decode: asWholeNumber(1, Number.MAX_SAFE_INTEGER, (text) => `"${text}" must be a whole number of at least 1`)
  })
}

export const BACKUP_ENV_VARIABLES = Object.values(backupVariables).map((v) => v.name)
export type BackupEnv = { readonly [K in keyof typeof backupVariables as typeof backupVariables[K]["name"]]?: string }

export const parseBackupEnv = (env: BackupEnv): Parsed<BackupSettings> => {
  const read = envReader(env)
  const enabled = read.get(backupVariables.enabled)
  const cron = read.get(backupVariables.cron)
  const keepLast = read.get(backupVariables.keepLast)
  return read.result(() => ({ enabled: enabled!, cron: cron!, keepLast: keepLast! }))
}

export const loadBackupSettings: Effect.Effect<BackupSettings, InvalidConfiguration> = loadFromEnv(
  BACKUP_ENV_VARIABLES,
  parseBackupEnv
)

export class BackupConfig extends Context.Service<BackupConfig, BackupSettings>()("@immich-storage/core/BackupConfig") {
  static readonly layer: Layer.Layer<BackupConfig, InvalidConfiguration> = Layer.effect(
    BackupConfig,
    loadBackupSettings
  )
}
