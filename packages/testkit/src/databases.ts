import { randomBytes } from "node:crypto"
import { readFile } from "node:fs/promises"
import postgres from "postgres"

/** The machine's PostgreSQL (trust authentication on 127.0.0.1). */
export const TEST_POSTGRES = { host: "127.0.0.1", port: 5432, user: "postgres" } as const

export interface TestDatabase {
  readonly name: string
  readonly url: string
  readonly drop: () => Promise<void>
}

/** A client of one database on the machine's PostgreSQL, quiet about notices; the caller ends it. */
export const connectTo = (database: string, max = 1): postgres.Sql =>
  postgres({ ...TEST_POSTGRES, database, max, onnotice: () => undefined })

const admin = () => connectTo("postgres")

/** A fresh, empty database `t_<random>`, dropped (with its connections) afterwards. */
export const createTestDatabase = async (): Promise<TestDatabase> => {
  const name = `t_${randomBytes(6).toString("hex")}`
  const sql = admin()
  try {
    await sql`create database ${sql(name)}`
  } finally {
    await sql.end()
  }
  return {
    name,
    url: `postgres://${TEST_POSTGRES.user}@${TEST_POSTGRES.host}:${TEST_POSTGRES.port}/${name}`,
    drop: async () => {
      const sql = admin()
      try {
        await sql`drop database if exists ${sql(name)} with (force)`
      } finally {
        await sql.end()
      }
    }
  }
}

/** The upstream Immich versions whose schema `fixtures/immich-<version>.sql` reproduces. */
export const IMMICH_FIXTURE_VERSIONS = ["v2.7", "v3.2"] as const
export type ImmichFixtureVersion = (typeof IMMICH_FIXTURE_VERSIONS)[number]

export const immichFixturePath = (version: ImmichFixtureVersion): string =>
  new URL(`../fixtures/immich-${version}.sql`, import.meta.url).pathname

/**
 * A fresh database holding what upstream Immich's migrations create for `version` (no rows but the
 * migrator's own), dropped afterwards like any test database.
 */
export const createImmichDatabase = async (version: ImmichFixtureVersion): Promise<TestDatabase> => {
  const fixture = await readFile(immichFixturePath(version), "utf8")
  const database = await createTestDatabase()
  const sql = postgres(database.url, { max: 1, onnotice: () => undefined })
  try {
    try {
      // One simple-protocol query: the fixture's many statements run as one implicit transaction.
      await sql.unsafe(fixture).simple()
    } finally {
      await sql.end()
    }
  } catch (error) {
    await database.drop()
    throw new Error(`loading the Immich ${version} fixture failed: ${String(error)}`, { cause: error })
  }
  return database
}

/** A name no database has, for testing what happens when one is missing. */
export const unusedDatabaseName = (): string => `t_missing_${randomBytes(6).toString("hex")}`

export const dropDatabaseIfExists = async (name: string): Promise<void> => {
  const sql = admin()
  try {
    await sql`drop database if exists ${sql(name)} with (force)`
  } finally {
    await sql.end()
  }
}

/** Which database a test runs on: an empty one we create ("own"), or one upstream Immich's migrations made. */
export const TEST_DATABASE_KINDS = ["own", ...IMMICH_FIXTURE_VERSIONS] as const
export type TestDatabaseKind = "own" | ImmichFixtureVersion

/** A fresh database of `kind`, dropped afterwards: empty for "own", else the upstream fixture's schema. */
export const createDatabaseOfKind = (kind: TestDatabaseKind): Promise<TestDatabase> =>
  kind === "own" ? createTestDatabase() : createImmichDatabase(kind)

/** Whether `table` of the connection's current schema has `column` (tests adapt their SQL to the fixture). */
export const hasColumn = async (sql: postgres.Sql, table: string, column: string): Promise<boolean> =>
  (await sql`
    select 1 from information_schema.columns
    where table_schema = current_schema() and table_name = ${table} and column_name = ${column}`).length > 0
