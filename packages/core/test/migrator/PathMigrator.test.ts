import { assert, describe, it } from "@effect/vitest"
import { Database, makeDatabase, PathMigrator, rewrite } from "@immich-storage/core"
import { TEST_POSTGRES } from "@immich-storage/testkit"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import fc from "fast-check"
import postgres from "postgres"
import { freshDatabase, testDatabaseSettings } from "../db/helpers.ts"
import { allPaths, seedLibrary } from "./seed.ts"

const migratorFor = (name: string) =>
  Effect.gen(function*() {
    const db = yield* makeDatabase(testDatabaseSettings(name))
    const migrator = Context.get(
      yield* Layer.build(PathMigrator.layer.pipe(Layer.provide(Layer.succeed(Database, db)))),
      PathMigrator
    )
    return { db, migrator }
  })

/** Characters that break naive SQL and path handling. */
const tricky = fc.constantFrom("a", "b", "/", " ", "%", "_", "\\", "'", "\"", ".", "é", "😀", "写", "+", "#", "-")
const text = (max: number) => fc.string({ unit: tricky, minLength: 1, maxLength: max })
const base = fc.oneof(
  text(10).map((s) => `/${s}`.replace(/\/+$/, "") || "/x"),
  text(10).map((s) => `s3://bucket-x/${s}`.replace(/\/+$/, ""))
)

describe("PathMigrator", () => {
  it.effect("records the location on first boot, then rewrites nothing while it stays", () =>
    Effect.gen(function*() {
      const { name, db } = yield* freshDatabase
      const { migrator } = yield* migratorFor(name)
      const outcome = yield* migrator.followMediaLocation("/data")
      assert.strictEqual(outcome._tag, "FirstBoot")
      assert.strictEqual(yield* migrator.savedLocation, "/data")
      yield* seedLibrary(db, "/data")
      const before = yield* allPaths(db)
      assert.strictEqual((yield* migrator.followMediaLocation("/data/"))._tag, "Unchanged")
      assert.deepStrictEqual(yield* allPaths(db), before)
    }))

  it.effect("follows a change to S3 and back, logging the counts, and a second run is a no-op", () =>
    Effect.gen(function*() {
      const { name, db } = yield* freshDatabase
      const { userId } = yield* seedLibrary(db, "/data")
      const { migrator } = yield* migratorFor(name)
      yield* migrator.followMediaLocation("/data")
      const logs: Array<string> = []
      const capture = Logger.layer([
        Logger.make(({ message }) => void logs.push(String(Array.isArray(message) ? message.join(" ") : message)))
      ])
      const moved = yield* migrator.followMediaLocation("s3://photos/immich").pipe(Effect.provide(capture))
      assert.strictEqual(moved._tag, "Moved")
      const paths = yield* allPaths(db)
      assert.isTrue(paths.every((p) => p.startsWith("s3://photos/immich/")), paths.join("\n"))
      assert.include(paths, `s3://photos/immich/upload/${userId}/ab/cd/abcd.jpg`)
      assert.isTrue(
        logs.some((l) =>
          l.startsWith("Media location changed from /data to s3://photos/immich: rewrote 5 paths") &&
          l.includes("asset_file.path: 2")
        ),
        logs.join("\n")
      )
      assert.strictEqual((yield* migrator.followMediaLocation("s3://photos/immich"))._tag, "Unchanged")
      const back = yield* migrator.followMediaLocation("/data")
      assert.strictEqual(back._tag === "Moved" ? back.report.total : -1, 5)
      assert.isTrue((yield* allPaths(db)).every((p) => p.startsWith("/data/")))
    }))

  it.effect("leaves external libraries and paths that merely share the prefix alone", () =>
    Effect.gen(function*() {
      const { name, db } = yield* freshDatabase
      const { userId } = yield* seedLibrary(db, "/data")
      const { migrator } = yield* migratorFor(name)
      yield* migrator.followMediaLocation("/data")
      yield* db.query("external", (sql) =>
        sql`
        with lib as (insert into library (name, "ownerId", "importPaths", "exclusionPatterns") values ('nas', ${userId}, '{/data/external}', '{}') returning id)
        insert into asset ("ownerId", "libraryId", type, "originalPath", "originalFileName", checksum, "checksumAlgorithm", "fileCreatedAt", "fileModifiedAt", "localDateTime")
        select ${userId}, id, 'IMAGE', '/data/external/2019/x.jpg', 'x.jpg', '\\x01', 'sha1-path', now(), now(), now() from lib`)
      yield* db.query("sibling", (sql) => sql`update "user" set "profileImagePath" = '/data2/profile/u/p.jpg'`)
      yield* migrator.followMediaLocation("s3://b/p")
      const paths = yield* allPaths(db)
      assert.include(paths, "/data/external/2019/x.jpg")
      assert.include(paths, "/data2/profile/u/p.jpg")
      assert.strictEqual(paths.filter((p) => p.startsWith("s3://b/p/")).length, 4)
    }))

  it.effect("rewrites the sidecar and encoded-video columns of older databases", () =>
    Effect.gen(function*() {
      const { name, db } = yield* freshDatabase
      yield* db.query("old schema", (sql) =>
        sql`alter table asset add column "sidecarPath" character varying, add column "encodedVideoPath" character varying default ''`)
      const { assetId } = yield* seedLibrary(db, "/usr/src/app/upload")
      yield* db.query("old paths", (sql) =>
        sql`update asset set "sidecarPath" = "originalPath" || '.xmp', "encodedVideoPath" = '/usr/src/app/upload/encoded-video/x.mp4' where id = ${assetId}`)
      const { migrator } = yield* migratorFor(name)
      const report = yield* migrator.rewritePaths("/usr/src/app/upload", "/data", { dryRun: false })
      const byColumn = Object.fromEntries(report.columns.map((c) => [`${c.table}.${c.column}`, c.count]))
      assert.strictEqual(byColumn["asset.sidecarPath"], 1)
      assert.strictEqual(byColumn["asset.encodedVideoPath"], 1)
      const [row] = yield* db.query("read", (sql) =>
        sql<Array<{ s: string; e: string }>>`select "sidecarPath" as s, "encodedVideoPath" as e from asset`)
      assert.isTrue(row!.s.startsWith("/data/upload/") && row!.s.endsWith(".jpg.xmp"))
      assert.strictEqual(row!.e, "/data/encoded-video/x.mp4")
    }))

  it.effect("counts without changing anything on a dry run", () =>
    Effect.gen(function*() {
      const { name, db } = yield* freshDatabase
      yield* seedLibrary(db, "/data")
      const { migrator } = yield* migratorFor(name)
      const before = yield* allPaths(db)
      const report = yield* migrator.rewritePaths("/data", "s3://b", { dryRun: true })
      assert.strictEqual(report.total, 5)
      assert.deepStrictEqual(yield* allPaths(db), before)
      assert.strictEqual(yield* migrator.savedLocation, undefined)
    }))

  it.live("agrees with the pure rewrite on random paths and bases (differential)", () =>
    Effect.gen(function*() {
      const { name, db } = yield* freshDatabase
      const { migrator } = yield* migratorFor(name)
      const [user] = yield* db.query("user", (sql) =>
        sql<Array<{ id: string }>>`insert into "user" (email) values ('d@x') returning id`)
      const [asset] = yield* db.query("asset", (sql) =>
        sql<Array<{ id: string }>>`
        insert into asset ("ownerId", type, "originalPath", "originalFileName", checksum, "checksumAlgorithm", "fileCreatedAt", "fileModifiedAt", "localDateTime")
        values (${user!.id}, 'IMAGE', '/x', 'x', '\\x00', 'sha1', now(), now(), now()) returning id`)
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(
            base,
            base,
            fc.array(
              fc.oneof(
                text(20),
                fc.tuple(base, text(12)).map(([b, s]) =>
                  `${b}${s}`
                )
              ),
              {
                minLength: 1,
                maxLength: 12
              }
            ),
            async (from, to, suffixes) => {
              const paths = suffixes.map((s, i) => (i % 3 === 0 ? `${from}/${s}` : i % 3 === 1 ? s : `${from}${s}`))
              const ids = await Effect.runPromise(db.query("insert", async (sql) => {
                await sql`delete from asset_file`
                const rows = paths.map((path, i) => ({ assetId: asset!.id, type: `t${i}`, path }))
                const columns = sql(rows, "assetId", "type", "path")
                return sql<Array<{ id: string; path: string }>>`insert into asset_file ${columns} returning id, path`
              }))
              await Effect.runPromise(migrator.rewritePaths(from, to, { dryRun: false }))
              const after = await Effect.runPromise(
                db.query("read", (sql) => sql<Array<{ id: string; path: string }>>`select id, path from asset_file`)
              )
              const byId = new Map(after.map((r) => [r.id, r.path]))
              for (const { id, path } of ids) {
                const expected = rewrite(path, from.replace(/\/+$/, ""), to.replace(/\/+$/, ""))
                if (byId.get(id) !== expected) {
                  const [shown, gave, gives] = [path, byId.get(id), expected].map((p) => JSON.stringify(p))
                  const move = `from ${JSON.stringify(from)} to ${JSON.stringify(to)}`
                  throw new Error(`${shown}: SQL gave ${gave}, rule gives ${gives} (${move})`)
                }
              }
            }
          ),
          { numRuns: 150 }
        )
      )
    }))

  it.live("is all-or-nothing: a backend killed mid-way leaves every path old, and a rerun completes", () =>
    Effect.gen(function*() {
      const { name, db } = yield* freshDatabase
      for (let i = 0; i < 3; i++) yield* seedLibrary(db, "/data")
      const { migrator } = yield* migratorFor(name)
      yield* migrator.followMediaLocation("/data")
      // person is rewritten after asset and asset_file: make it slow, so the kill lands mid-transaction.
      yield* db.query("slow trigger", (sql) =>
        sql.unsafe(`
        create function slow_down() returns trigger language plpgsql as $$ begin perform pg_sleep(2); return new; end $$;
        create trigger slow_person before update on person for each row execute function slow_down();`))
      const before = yield* allPaths(db)
      const fiber = yield* Effect.forkChild(migrator.followMediaLocation("s3://b/p"))
      const admin = postgres({ ...TEST_POSTGRES, database: name, max: 1, onnotice: () => undefined })
      let killed = 0
      for (let i = 0; i < 100 && killed === 0; i++) {
        yield* Effect.sleep("50 millis")
        const rows = yield* Effect.promise(() =>
          admin<Array<{ pid: number }>>`
          select pid from pg_stat_activity where datname = ${name} and query ilike 'update "person"%' and state = 'active'`
        )
        for (const { pid } of rows) {
          yield* Effect.promise(() => admin`select pg_terminate_backend(${pid})`)
          killed++
        }
      }
      yield* Effect.promise(() => admin.end())
      assert.strictEqual(killed, 1, "the migrating backend was found and terminated")
      assert.isTrue(Exit.isFailure(yield* Fiber.await(fiber)))
      assert.deepStrictEqual(yield* allPaths(db), before, "wholly old")
      assert.strictEqual(yield* migrator.savedLocation, "/data")
      yield* db.query("fast again", (sql) => sql`drop trigger slow_person on person`)
      const rerun = yield* migrator.followMediaLocation("s3://b/p")
      assert.strictEqual(rerun._tag === "Moved" ? rerun.report.total : -1, 15)
      assert.isTrue((yield* allPaths(db)).every((p) => p.startsWith("s3://b/p/")), "wholly new")
    }))

  it.live("rewrites once when two instances boot at the same time", () =>
    Effect.gen(function*() {
      const { name, db } = yield* freshDatabase
      for (let i = 0; i < 5; i++) yield* seedLibrary(db, "/data")
      const first = yield* migratorFor(name)
      yield* first.migrator.followMediaLocation("/data")
      const second = yield* migratorFor(name)
      const outcomes = yield* Effect.all([
        first.migrator.followMediaLocation("s3://b/p"),
        second.migrator.followMediaLocation("s3://b/p")
      ], { concurrency: 2 })
      assert.deepStrictEqual(outcomes.map((o) => o._tag).sort(), ["Moved", "Unchanged"])
      const moved = outcomes.find((o) => o._tag === "Moved")
      assert.strictEqual(moved?._tag === "Moved" ? moved.report.total : -1, 25)
      assert.isTrue((yield* allPaths(db)).every((p) => p.startsWith("s3://b/p/") && !p.startsWith("s3://b/p/s3:")))
    }))
})
