import { assert, describe, it } from "@effect/vitest"
import {
  Database,
  DatabaseConfig,
  ensureSchema,
  makeDatabase,
  parseDatabaseEnv,
  SCHEMA_STATEMENTS
} from "@immich-storage/core"
import { dropDatabaseIfExists, unusedDatabaseName } from "@immich-storage/testkit"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { failureOf } from "../failures.ts"
import { freshDatabase, testDatabaseScoped, testDatabaseSettings } from "./helpers.ts"

describe("database settings", () => {
  it("defaults to postgres on 127.0.0.1:5432, database immich", () => {
    assert.deepStrictEqual(parseDatabaseEnv({}), {
      ok: true,
      settings: { host: "127.0.0.1", port: 5432, user: "postgres", password: undefined, database: "immich" }
    })
  })

  it("reads Immich's DB_* variables, and DB_URL over them", () => {
    const vars = parseDatabaseEnv({
      DB_HOSTNAME: "db",
      DB_PORT: "6543",
      DB_USERNAME: "immich",
      DB_PASSWORD: "pw",
      DB_DATABASE_NAME: "photos"
    })
    assert.isTrue(
      vars.ok && vars.settings.host === "db" && vars.settings.port === 6543 &&
        Redacted.value(vars.settings.password!) === "pw"
    )
    const url = parseDatabaseEnv({ DB_URL: "postgresql://u:p%40ss@h:7000/lib", DB_HOSTNAME: "ignored" })
    assert.isTrue(url.ok && url.settings.host === "h" && url.settings.user === "u" && url.settings.database === "lib")
    assert.isTrue(url.ok && Redacted.value(url.settings.password!) === "p@ss")
  })

  it("refuses a bad port or URL, naming the variable", () => {
    const port = parseDatabaseEnv({ DB_PORT: "postgres" })
    assert.isTrue(!port.ok && port.problems[0]!.variable === "DB_PORT")
    const url = parseDatabaseEnv({ DB_URL: "mysql://x@y/z" })
    assert.isTrue(!url.ok && url.problems[0]!.problem.includes("postgres://"))
  })
})

describe("Database service", () => {
  it.effect("creates the database when it does not exist yet", () =>
    Effect.gen(function*() {
      const name = unusedDatabaseName()
      yield* Effect.addFinalizer(() => Effect.promise(() => dropDatabaseIfExists(name)))
      const exists = yield* Effect.scoped(Effect.gen(function*() {
        const db = yield* makeDatabase(testDatabaseSettings(name))
        return yield* db.query("check", (sql) => sql<Array<{ name: string }>>`select current_database() as name`)
      }))
      assert.strictEqual(exists[0]?.name, name)
    }))

  it.effect("reads DB_URL through the layer", () =>
    Effect.gen(function*() {
      const created = yield* testDatabaseScoped
      const env = { DB_URL: `postgres://postgres@127.0.0.1:5432/${created.name}` }
      const rows = yield* Effect.gen(function*() {
        const db = yield* Database
        return yield* db.query("check", (sql) => sql<Array<{ name: string }>>`select current_database() as name`)
      }).pipe(
        Effect.provide(Database.layer.pipe(Layer.provide(DatabaseConfig.layer))),
        Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))
      )
      assert.strictEqual(rows[0]?.name, created.name)
    }))

  it.effect("reports an unreachable server and a refused login as typed errors that say what to check", () =>
    Effect.gen(function*() {
      const unreachable = failureOf(
        yield* Effect.exit(Effect.scoped(makeDatabase({ ...testDatabaseSettings("x"), port: 1 })))
      )
      assert.strictEqual(unreachable?._tag, "DatabaseUnreachable")
      assert.include(unreachable?.message ?? "", "DB_HOSTNAME")
      const refused = failureOf(
        yield* Effect.exit(
          Effect.scoped(makeDatabase({ ...testDatabaseSettings("postgres"), user: "no_such_role_here" }))
        )
      )
      assert.strictEqual(refused?._tag, "DatabaseAuthFailed")
      assert.include(refused?.message ?? "", "DB_USERNAME")
    }))

  it.effect("rolls a transaction back when its body fails", () =>
    Effect.gen(function*() {
      const { db } = yield* freshDatabase
      const exit = yield* Effect.exit(db.transaction((tx) =>
        Effect.gen(function*() {
          yield* tx("insert", (sql) => sql`insert into system_metadata (key, value) values ('probe', '{}')`)
          return yield* Effect.fail("changed my mind" as const)
        })
      ))
      assert.isTrue(Exit.isFailure(exit))
      const rows = yield* db.query("read", (sql) => sql`select * from system_metadata where key = 'probe'`)
      assert.strictEqual(rows.length, 0)
    }))

  it.effect("creates the schema only where absent: running it twice, or on an existing database, changes nothing", () =>
    Effect.gen(function*() {
      const { db } = yield* freshDatabase
      yield* db.query("add an Immich column", (sql) => sql`alter table asset add column "thumbhash" bytea`)
      yield* db.query(
        "seed",
        (sql) => sql`insert into system_metadata (key, value) values ('system-config', '{"a":1}')`
      )
      yield* ensureSchema(db)
      const columns = yield* db.query(
        "columns",
        (sql) => sql`select 1 from information_schema.columns where table_name = 'asset' and column_name = 'thumbhash'`
      )
      assert.strictEqual(columns.length, 1)
      const kept = yield* db.query(
        "read",
        (sql) => sql<Array<{ value: unknown }>>`select value from system_metadata where key = 'system-config'`
      )
      assert.deepStrictEqual(kept[0]?.value, { a: 1 })
      assert.isTrue(SCHEMA_STATEMENTS.every((s) => /IF NOT EXISTS|duplicate_object/.test(s)))
    }))
})
