import postgres from "postgres"
import { randomBytes } from "node:crypto"

/** The machine's PostgreSQL (trust authentication on 127.0.0.1). */
export const TEST_POSTGRES = { host: "127.0.0.1", port: 5432, user: "postgres" } as const

export interface TestDatabase {
  readonly name: string
  readonly url: string
  readonly drop: () => Promise<void>
}

const admin = () => postgres({ ...TEST_POSTGRES, database: "postgres", max: 1, onnotice: () => undefined })

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
