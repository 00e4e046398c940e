import * as Redacted from "effect/Redacted"
import type { Parsed } from "../config/loadFromEnv.ts"

/** Immich's database variables; `DB_URL`, when set, replaces the others. */
export const DATABASE_ENV_VARIABLES = ["DB_URL", "DB_HOSTNAME", "DB_PORT", "DB_USERNAME", "DB_PASSWORD", "DB_DATABASE_NAME"] as const
export type DatabaseEnv = Partial<Record<typeof DATABASE_ENV_VARIABLES[number], string>>

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

export const parseDatabaseEnv = (env: DatabaseEnv): Parsed<DatabaseSettings> => {
  const value = (name: keyof DatabaseEnv) => {
    const raw = env[name]?.trim()
    return raw === undefined || raw === "" ? undefined : raw
  }
  const url = value("DB_URL")
  if (url !== undefined) return parseUrl(url)
  const problems: Array<{ variable: string; problem: string }> = []
  const portText = value("DB_PORT")
  const port = portText === undefined ? DATABASE_DEFAULTS.port : Number(portText)
  if (portText !== undefined && (!/^\d+$/.test(portText) || port < 1 || port > 65535)) {
    problems.push({ variable: "DB_PORT", problem: `"${portText}" is not a port; use a number from 1 to 65535` })
  }
  if (problems.length > 0) return { ok: false, problems }
  const password = value("DB_PASSWORD")
  return {
    ok: true,
    settings: {
      host: value("DB_HOSTNAME") ?? DATABASE_DEFAULTS.host,
      port,
      user: value("DB_USERNAME") ?? DATABASE_DEFAULTS.user,
      password: password === undefined ? undefined : Redacted.make(password),
      database: value("DB_DATABASE_NAME") ?? DATABASE_DEFAULTS.database
    }
  }
}

const parseUrl = (url: string): ReturnType<typeof parseDatabaseEnv> => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return { ok: false, problems: [{ variable: "DB_URL", problem: "is not a URL; use postgres://user:password@host:5432/database" }] }
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    return { ok: false, problems: [{ variable: "DB_URL", problem: `must start with postgres:// (it starts with ${parsed.protocol}//)` }] }
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""))
  const password = decodeURIComponent(parsed.password)
  return {
    ok: true,
    settings: {
      host: parsed.hostname === "" ? DATABASE_DEFAULTS.host : parsed.hostname,
      port: parsed.port === "" ? DATABASE_DEFAULTS.port : Number(parsed.port),
      user: parsed.username === "" ? DATABASE_DEFAULTS.user : decodeURIComponent(parsed.username),
      password: password === "" ? undefined : Redacted.make(password),
      database: database === "" ? DATABASE_DEFAULTS.database : database
    }
  }
}

/** For messages and logs: never the password. */
export const describeDatabase = (settings: DatabaseSettings): string =>
  `postgres://${settings.user}@${settings.host}:${settings.port}/${settings.database}`
