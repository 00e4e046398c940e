import * as NodeServices from "@effect/platform-node/NodeServices"
import { assert, describe, it } from "@effect/vitest"
import {
  backupVersionOf,
  checkDumpTool,
  IMMICH_API_VERSION,
  localLocation,
  makeDatabase,
  makeLocalEngine,
  parseBackupName
} from "@immich-storage/core"
import type { StorageEngineShape } from "@immich-storage/core"
import { TEST_POSTGRES, unusedDatabaseName } from "@immich-storage/testkit"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { randomBytes } from "node:crypto"
import { gzipSync } from "node:zlib"
import postgres from "postgres"
import { freshDatabase, testDatabaseScoped, testDatabaseSettings } from "../db/helpers.ts"
import { makeTestS3Engine, tempDirScoped } from "../engine/helpers.ts"
import { failureOf } from "../failures.ts"
import { backupsOn } from "./helpers.ts"

const engines: ReadonlyArray<
  { name: string; make: Effect.Effect<StorageEngineShape, unknown, import("effect").Scope.Scope> }
> = [
  { name: "local", make: Effect.flatMap(tempDirScoped, (dir) => makeLocalEngine(localLocation(`${dir.path}/media`))) },
  { name: "s3", make: Effect.map(makeTestS3Engine(), (s) => s.engine) }
]

const writerFor = (engine: StorageEngineShape, databaseName: string) =>
  Effect.gen(function*() {
    const db = yield* makeDatabase(testDatabaseSettings(databaseName))
    return { writer: yield* backupsOn(engine, db), db }
  })

/** Every row of every table, as JSON, in a stable order. */
const snapshot = (name: string) =>
  Effect.promise(async () => {
    const sql = postgres({ ...TEST_POSTGRES, database: name, max: 1, onnotice: () => undefined })
    const tables = await sql<
      Array<{ t: string }>
    >`select table_name as t from information_schema.tables where table_schema = 'public' order by 1`
    const out: Record<string, unknown> = {}
    for (const { t } of tables) out[t] = await sql.unsafe(`select row_to_json(x)::text as r from "${t}" x order by 1`)
    await sql.end()
    return JSON.parse(JSON.stringify(out)) as Record<string, Array<{ r: string }>>
  })

const seedVariedData = (name: string, rows: number) =>
  Effect.promise(async () => {
    const sql = postgres({ ...TEST_POSTGRES, database: name, max: 1, onnotice: () => undefined })
    await sql`create table notes (id serial primary key, body text, tags text[], meta jsonb, at timestamptz, amount numeric(12,2), raw bytea)`
    await sql`insert into notes (body, tags, meta, at, amount, raw)
      select 'note ' || i || ' ünïcödé 😀 ''quoted'' \\ back', array['a', 'b' || i], jsonb_build_object('i', i, 'nested', jsonb_build_object('x', i % 7)),
             '2020-01-01'::timestamptz + i * interval '1 hour', i * 1.25, decode(md5(i::text), 'hex')
      from generate_series(1, ${rows}) i`
    await sql.end()
  })

for (const { make, name } of engines) {
  describe(`Backups (${name})`, () => {
    it.effect("dumps a database into backups/, lists it, and restores it into a fresh database identically", () =>
      Effect.gen(function*() {
        const engine = yield* make
        const { db: source, name: sourceName } = yield* freshDatabase
        yield* seedVariedData(sourceName, 2000)
        yield* source.query(
          "immich rows",
          (sql) => sql`insert into system_metadata values ('MediaLocation', '{"location": "/data"}')`
        )
        const { writer } = yield* writerFor(engine, sourceName)
        const before = Math.floor(Date.now() / 1000) * 1000
        const created = yield* writer.create
        const after = Date.now()
        // Named as Immich 3.2 names it, so that Immich's restore takes it for a single-database dump.
        const rows = yield* source.query(
          "version",
          (sql) => sql<Array<{ server_version: string }>>`show server_version`
        )
        const server_version = rows[0]!.server_version
        const stamp = /^immich-db-backup-(\d{8}T\d{6})-v3\.2\.0-pg(.+)\.sql\.gz$/.exec(created.name)
        assert.isNotNull(stamp, created.name)
        assert.strictEqual(stamp![2], server_version.split(" ")[0])
        assert.strictEqual(backupVersionOf(created.name), IMMICH_API_VERSION)
        const takenAt = parseBackupName(created.name, writer.timeZone)!.takenAt!.getTime()
        assert.isTrue(takenAt >= before && takenAt <= after, `${created.name} stamped between ${before} and ${after}`)
        const listed = yield* writer.list
        assert.deepStrictEqual(listed.map((f) => f.name), [created.name])
        assert.isAbove(listed[0]!.size, 1000)
        const target = yield* testDatabaseScoped
        yield* writer.restore(created.name, testDatabaseSettings(target.name))
        assert.deepStrictEqual(yield* snapshot(target.name), yield* snapshot(sourceName))
      }))

    it.effect("fails with a typed error on bad credentials, and nothing is listed or left behind", () =>
      Effect.gen(function*() {
        const engine = yield* make
        const { name: sourceName } = yield* freshDatabase
        const { db, writer } = yield* writerFor(engine, sourceName)
        const badWriter = yield* backupsOn(engine, { ...db, settings: { ...db.settings, user: "no_such_role" } })
        const error = failureOf(yield* Effect.exit(badWriter.create))
        assert.strictEqual(error?._tag, "DumpFailed")
        assert.include(error?.message ?? "", "no_such_role")
        assert.deepStrictEqual(yield* writer.list, [])
        assert.deepStrictEqual(yield* Stream.runCollect(engine.list("backups")), [])
      }))

    it.live("leaves nothing behind when pg_dump dies mid-way", () =>
      Effect.gen(function*() {
        const engine = yield* make
        const { name: sourceName } = yield* freshDatabase
        yield* Effect.promise(async () => {
          const sql = postgres({ ...TEST_POSTGRES, database: sourceName, max: 1, onnotice: () => undefined })
          await sql`create table big as select i, md5(i::text) || md5((i * 7)::text) || md5((i * 13)::text) as v from generate_series(1, 1500000) i`
          await sql.end()
        })
        const { writer } = yield* writerFor(engine, sourceName)
        const fiber = yield* Effect.forkChild(writer.create)
        const admin = postgres({ ...TEST_POSTGRES, database: "postgres", max: 1, onnotice: () => undefined })
        let killed = 0
        for (let i = 0; i < 200 && killed === 0; i++) {
          yield* Effect.sleep("20 millis")
          const rows = yield* Effect.promise(() =>
            admin<Array<{ pid: number }>>`
            select pid from pg_stat_activity where datname = ${sourceName} and application_name = 'pg_dump' and query ilike 'copy%'`
          )
          for (const { pid } of rows) {
            yield* Effect.sleep("150 millis")
            yield* Effect.promise(() => admin`select pg_terminate_backend(${pid})`)
            killed++
          }
        }
        yield* Effect.promise(() => admin.end())
        assert.strictEqual(killed, 1, "pg_dump's backend was found and terminated")
        const error = failureOf(yield* Fiber.await(fiber))
        assert.strictEqual(error?._tag, "DumpFailed")
        assert.deepStrictEqual(yield* writer.list, [])
        assert.deepStrictEqual(yield* Stream.runCollect(engine.list("backups")), [])
      }))

    it.effect("prunes routine backups past the newest N, keeps uploaded ones and restore points, cleans up leftovers", () =>
      Effect.gen(function*() {
        const engine = yield* make
        const { name: sourceName } = yield* freshDatabase
        const { writer } = yield* writerFor(engine, sourceName)
        const names = [
          "immich-db-backup-20260101T020000-v2.5.0-pg15.4.sql.gz",
          "immich-db-backup-20260102T020000-v2.5.0-pg15.4.sql.gz",
          "immich-db-backup-20260103T020000-v0.1.0-pg15.19.sql.gz",
          "immich-db-backup-1735000000000.sql.gz",
          "uploaded-immich-db-backup-20250101T020000-v1.0.0-pg14.1.sql.gz",
          "restore-point-20250101.sql.gz",
          "immich-db-backup-20260104T020000-v2.5.0-pg15.4.sql.gz.tmp",
          ".immich"
        ]
        for (const n of names) yield* engine.put(`backups/${n}`, Buffer.from(n))
        // Newest first by the time in the name; files without one (uploaded, restore points) by when they were written.
        const routine = (yield* writer.list).filter((f) => f.kind === "routine").map((f) => f.name)
        assert.deepStrictEqual(routine, [...names.slice(0, 3).reverse(), names[3]!])
        const deleted = yield* writer.prune(2)
        assert.deepStrictEqual([...deleted].sort(), [
          "immich-db-backup-1735000000000.sql.gz",
          "immich-db-backup-20260101T020000-v2.5.0-pg15.4.sql.gz"
        ])
        assert.strictEqual(yield* writer.cleanUp, 1)
        const left = (yield* Stream.runCollect(engine.list("backups"))).map((o) => o.key.slice("backups/".length))
          .sort()
        assert.deepStrictEqual(left, [".immich", names[1]!, names[2]!, names[5]!, names[4]!].sort())
      }))

    it.effect("says which backup is missing, and refuses a corrupt one", () =>
      Effect.gen(function*() {
        const engine = yield* make
        const { name: sourceName } = yield* freshDatabase
        const { writer } = yield* writerFor(engine, sourceName)
        const target = yield* testDatabaseScoped
        const missing = failureOf(
          yield* Effect.exit(
            writer.restore("immich-db-backup-20200101T000000-v1-pg1.sql.gz", testDatabaseSettings(target.name))
          )
        )
        assert.strictEqual(missing?._tag, "BackupNotFound")
        yield* engine.put("backups/immich-db-backup-20200101T000000-v1-pg1.sql.gz", Buffer.from("not gzip at all"))
        const corrupt = failureOf(
          yield* Effect.exit(
            writer.restore("immich-db-backup-20200101T000000-v1-pg1.sql.gz", testDatabaseSettings(target.name))
          )
        )
        assert.strictEqual(corrupt?._tag, "RestoreFailed")
        assert.include(corrupt?.message ?? "", "gzip")
      }))
  })
}

describe("backup tooling", () => {
  it.effect(
    "fails promptly with psql's message when psql dies before reading a backup larger than a pipe buffer",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDirScoped
        const engine = yield* makeLocalEngine(localLocation(`${dir.path}/media`))
        const { name: sourceName } = yield* freshDatabase
        const { writer } = yield* writerFor(engine, sourceName)
        // 21 MiB of random bytes stay about that size gzipped: far more than psql's stdin pipe holds.
        const backup = "immich-db-backup-20200101T000000-v1-pg15.4.sql.gz"
        yield* engine.put(`backups/${backup}`, gzipSync(randomBytes(21 * 1024 * 1024), { level: 1 }))
        const missing = unusedDatabaseName()
        const error = failureOf(yield* Effect.exit(writer.restore(backup, testDatabaseSettings(missing))))
        assert.strictEqual(error?._tag, "RestoreFailed")
        assert.include(error?.message ?? "", `database "${missing}" does not exist`)
        assert.include(error?.message ?? "", "psql")
      }),
    120_000
  )

  it.effect("refuses a server newer than pg_dump, naming the package to install", () =>
    Effect.gen(function*() {
      const error = failureOf(
        yield* Effect.exit(checkDumpTool("99.1", "photos").pipe(Effect.provide(NodeServices.layer)))
      )
      assert.strictEqual(error?._tag, "DumpToolMismatch")
      assert.include(error?.message ?? "", "postgresql-client-99")
    }))

  it.effect("says which database could not be dumped, and what to install, when pg_dump is missing", () =>
    Effect.gen(function*() {
      // No pg_dump on the PATH: the machine without postgresql-client, made for real for this one spawn.
      const path = process.env.PATH
      const missing = yield* Effect.sync(() => void (process.env.PATH = "/nonexistent")).pipe(
        Effect.andThen(Effect.exit(checkDumpTool("15.4", "photos").pipe(Effect.provide(NodeServices.layer)))),
        Effect.ensuring(Effect.sync(() => void (process.env.PATH = path)))
      )
      const error = failureOf(missing)
      assert.strictEqual(error?._tag, "DumpFailed")
      assert.include(error?.message ?? "", "The database dump of photos failed")
      assert.include(error?.message ?? "", "install postgresql-client")
    }))

  it.effect("lets one session of many take the backup lock", () =>
    Effect.gen(function*() {
      const { name } = yield* freshDatabase
      const a = yield* makeDatabase(testDatabaseSettings(name))
      const b = yield* makeDatabase(testDatabaseSettings(name))
      const inner = yield* a.withTryLock(42, b.withTryLock(42, Effect.succeed("b ran")))
      assert.deepStrictEqual(inner, Option.some(Option.none()))
      assert.deepStrictEqual(yield* b.withTryLock(42, Effect.succeed("b ran")), Option.some("b ran"))
    }))
})
