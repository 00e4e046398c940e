import * as Context from "effect/Context"
import * as Cron from "effect/Cron"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import type { InvalidConfiguration } from "../config/InvalidConfiguration.ts"
import { loadFromEnv } from "../config/loadFromEnv.ts"
import { DEFAULT_KEEP_LAST } from "./retention.ts"

/** The backup job's variables. Immich keeps these in its admin settings; here they come from the environment. */
export const BACKUP_ENV_VARIABLES = ["DB_BACKUP_ENABLED", "DB_BACKUP_CRON", "DB_BACKUP_KEEP_LAST"] as const
export type BackupEnv = Partial<Record<typeof BACKUP_ENV_VARIABLES[number], string>>

export interface BackupSettings {
  readonly enabled: boolean
  readonly cron: string
  readonly keepLast: number
}

/** Immich's defaults: every night at 02:00, keep the last 14. */
export const BACKUP_DEFAULTS: BackupSettings = { enabled: true, cron: "0 02 * * *", keepLast: DEFAULT_KEEP_LAST }

export const parseBackupEnv = (env: BackupEnv): { readonly settings: BackupSettings; readonly problems: ReadonlyArray<{ readonly variable: string; readonly problem: string }> } => {
  const problems: Array<{ variable: string; problem: string }> = []
  const value = (name: keyof BackupEnv) => {
    const raw = env[name]?.trim()
    return raw === undefined || raw === "" ? undefined : raw
  }
  const enabledText = value("DB_BACKUP_ENABLED")?.toLowerCase()
  const enabled = enabledText === undefined ? BACKUP_DEFAULTS.enabled : enabledText === "true" || enabledText === "1"
  if (enabledText !== undefined && !["true", "false", "1", "0"].includes(enabledText)) {
    problems.push({ variable: "DB_BACKUP_ENABLED", problem: `"${enabledText}" is not a boolean; use true, false, 1 or 0` })
  }
  const cron = value("DB_BACKUP_CRON") ?? BACKUP_DEFAULTS.cron
  const parsed = Cron.parse(cron)
  if (Result.isFailure(parsed)) {
    problems.push({ variable: "DB_BACKUP_CRON", problem: `"${cron}" is not a cron expression (${parsed.failure.message}); e.g. "0 02 * * *" for 02:00 every day` })
  }
  const keepText = value("DB_BACKUP_KEEP_LAST")
  const keepLast = keepText === undefined ? BACKUP_DEFAULTS.keepLast : Number(keepText)
  if (keepText !== undefined && (!/^\d+$/.test(keepText) || keepLast < 1)) {
    problems.push({ variable: "DB_BACKUP_KEEP_LAST", problem: `"${keepText}" must be a whole number of at least 1` })
  }
  return { settings: { enabled, cron, keepLast }, problems }
}

export const loadBackupSettings: Effect.Effect<BackupSettings, InvalidConfiguration> = loadFromEnv(BACKUP_ENV_VARIABLES, parseBackupEnv)

export class BackupConfig extends Context.Service<BackupConfig, BackupSettings>()("@immich-storage/core/BackupConfig") {
  static readonly layer: Layer.Layer<BackupConfig, InvalidConfiguration> = Layer.effect(BackupConfig, loadBackupSettings)
}
