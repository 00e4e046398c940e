import { Database, DATABASE_DEFAULTS, ensureSchema, makeDatabase } from "@immich-storage/core"
import type { DatabaseSettings } from "@immich-storage/core"
import { createTestDatabase } from "@immich-storage/testkit"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

export const testDatabaseSettings = (database: string): DatabaseSettings => ({
  host: DATABASE_DEFAULTS.host,
  port: DATABASE_DEFAULTS.port,
  user: "postgres",
  password: undefined,
  database
})

/** A throwaway database, dropped when the scope closes. */
export const testDatabaseScoped = Effect.acquireRelease(
  Effect.promise(() => createTestDatabase()),
  (db) => Effect.promise(() => db.drop())
)

/** A Database service on a fresh database with the schema in place. */
export const freshDatabase = Effect.gen(function*() {
  const created = yield* testDatabaseScoped
  const db = yield* makeDatabase(testDatabaseSettings(created.name))
  yield* ensureSchema(db)
  return { db, name: created.name }
})

export const databaseLayer = (name: string) => Layer.effect(Database, makeDatabase(testDatabaseSettings(name)))
