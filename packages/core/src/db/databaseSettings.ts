import type * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { asText, asWholeNumber, decoded, envReader, envVariable, refused } from "../config/envVariable.ts"
import type { Decoded, Parsed } from "../config/envVariable.ts"
import type { InvalidConfiguration } from "../config/InvalidConfiguration.ts"
import { loadFromEnv } from "../config/loadFromEnv.ts"

export interface DatabaseSettings {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly password: Redacted.Redacted<string> | undefined
  readonly database: string
  /** Shown in `pg_stat_activity`; the server sets its own. */
  readonly applicationName?: string
}

/** Defaults that work on a fresh machine with a local PostgreSQL and trust authentication. */
export const DATABASE_DEFAULTS = { host: "127.0.0.1", port: 5432, user: "postgres", database: "immich" } as const

const asDatabaseUrl = (url: string): Decoded<DatabaseSettings> => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return refused("is not a URL; use postgres://user:password@host:5432/database")
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    return refused(`must start with postgres:// (it starts with ${parsed.protocol}//)`)
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""))
  const password = decodeURIComponent(parsed.password)
  return decoded({
    host: parsed.hostname === "" ? DATABASE_DEFAULTS.host : parsed.hostname,
    port: parsed.port === "" ? DATABASE_DEFAULTS.port : Number(parsed.port),
    user: parsed.username === "" ? DATABASE_DEFAULTS.user : decodeURIComponent(parsed.username),
    password: password === "" ? undefined : Redacted.make(password),
    database: database === "" ? DATABASE_DEFAULTS.database : database
  })
}

/** Immich's database variables; `DB_URL`, when set, replaces the others. */
export const databaseVariables = {
  url: envVariable({
    name: "DB_URL",
    default: undefined,
    defaultDoc: "—",
    description: "`postgres://user:password@host:port/database`; replaces the `DB_*` variables below.",
    // It usually holds the password.
    secret: true,
    decode: asDatabaseUrl
  }),
  host: envVariable({
    name: "DB_HOSTNAME",
    default: DATABASE_DEFAULTS.host,
    description: "PostgreSQL host.",
    secret: false,
    decode: asText
  }),
  port: envVariable({
    name: "DB_PORT",
    default: String(DATABASE_DEFAULTS.port),
    description: "PostgreSQL port.",
    secret: false,
    decode: asWholeNumber(1, 65535, (text) => `"${text}" is not a port; use a number from 1 to 65535`)
  }),
  user: envVariable({
    name: "DB_USERNAME",
    default: DATABASE_DEFAULTS.user,
    description: "PostgreSQL user.",
    secret: false,
    decode: asText
  }),
  password: envVariable({
    name: "DB_PASSWORD",
    default: undefined,
    defaultDoc: "none",
    description: "PostgreSQL password (none: trust or peer authentication). Never logged.",
    secret: true,
    decode: (password) => decoded(Redacted.make(password))
  }),
  database: envVariable({
    name: "DB_DATABASE_NAME",
    default: DATABASE_DEFAULTS.database,
    description: "Database name; created at the first start when it does not exist.",
    secret: false,
    decode: asText
  })
}

export const DATABASE_ENV_VARIABLES = Object.values(databaseVariables).map((v) => v.name)
type DatabaseVariables = typeof databaseVariables
export type DatabaseEnv = { readonly [K in keyof DatabaseVariables as DatabaseVariables[K]["name"]]?: string }

export const parseDatabaseEnv = (env: DatabaseEnv): Parsed<DatabaseSettings> => {
  const read = envReader(env)
  const v = databaseVariables
  if (read.text(v.url) !== undefined) {
    const fromUrl = read.get(v.url)
    return read.result(() => fromUrl!)
  }
  const port = read.get(v.port)
  return read.result(() => ({
    host: read.get(v.host)!,
    port: port!,
    user: read.get(v.user)!,
    password: read.get(v.password),
    database: read.get(v.database)!
  }))
}

export const loadDatabaseSettings: Effect.Effect<DatabaseSettings, InvalidConfiguration> = loadFromEnv(
  DATABASE_ENV_VARIABLES,
  parseDatabaseEnv
)

/** For messages and logs: never the password. */
export const describeDatabase = (settings: DatabaseSettings): string =>
  `postgres://${settings.user}@${settings.host}:${settings.port}/${settings.database}`
