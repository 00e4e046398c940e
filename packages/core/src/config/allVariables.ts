import * as Effect from "effect/Effect"
import { backupVariables, loadBackupSettings } from "../backups/backupSettings.ts"
import { databaseVariables, loadDatabaseSettings } from "../db/databaseSettings.ts"
import { leftoverVariables, loadLeftoverSettings } from "../leftovers/leftoverSettings.ts"
import type { EnvVariable, RawEnv } from "./envVariable.ts"
import type { InvalidConfiguration } from "./InvalidConfiguration.ts"
import { loadAll, loadFromEnv, unreadableEnvironment } from "./loadFromEnv.ts"
import { STORAGE_VARIABLES } from "./parseStorageEnv.ts"
import { readEnv } from "./readEnv.ts"
import { parseServerEnv, SERVER_ENV_VARIABLES, serverVariables } from "./serverSettings.ts"
import { loadStorageSettings } from "./StorageConfig.ts"

/**
 * Every environment variable the server and the CLI read, in the order the README's table and `config` show
 * them. Each is declared once, in its group; `example.env` and the README are checked against this list.
 */
export const ALL_VARIABLES: ReadonlyArray<EnvVariable> = [
  ...STORAGE_VARIABLES,
  ...Object.values(serverVariables),
  ...Object.values(databaseVariables),
  ...Object.values(backupVariables),
  ...Object.values(leftoverVariables)
]

/** Every group of settings, validated together: one message lists every problem before anything starts. */
export const loadAllSettings = loadAll({
  storage: loadStorageSettings,
  database: loadDatabaseSettings,
  backup: loadBackupSettings,
  leftovers: loadLeftoverSettings,
  server: loadFromEnv(SERVER_ENV_VARIABLES, parseServerEnv)
})

/** How `config` shows a variable: its value, or its default; a secret only as set or not. */
export const shownValue = (variable: EnvVariable, env: RawEnv): string => {
  const text = env[variable.name]?.trim()
  if (text !== undefined && text !== "") return variable.secret ? "******** (set)" : text
  if (variable.default !== undefined) return `${variable.default} (default)`
  const doc = variable.defaultDoc?.replaceAll("`", "")
  return doc === undefined || doc.startsWith("—") ? "(unset)" : `(unset: ${doc})`
}

/** Each variable with its value as `config` shows it, read as the settings are (`.env`, then the environment). */
export const loadVariableRows: Effect.Effect<ReadonlyArray<readonly [string, string]>, InvalidConfiguration> = readEnv(
  ALL_VARIABLES.map((v) => v.name)
).pipe(
  Effect.mapError(unreadableEnvironment),
  Effect.map((env) => ALL_VARIABLES.map((variable) => [variable.name, shownValue(variable, env)] as const))
)

/** The README's configuration table, row by row. */
export const configurationTable = (): ReadonlyArray<string> => [
  "| variable | default | meaning |",
  "|---|---|---|",
  ...ALL_VARIABLES.map((v) => `| \`${v.name}\` | ${defaultDocOf(v)} | ${v.description} |`)
]

export const defaultDocOf = (variable: EnvVariable): string =>
  variable.defaultDoc ?? (variable.default === undefined ? "—" : `\`${variable.default}\``)
