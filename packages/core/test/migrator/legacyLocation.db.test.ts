import { assert, describe, it } from "@effect/vitest"
import { Database, PathMigrator } from "@immich-storage/core"
import type { DatabaseShape } from "@immich-storage/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { freshDatabase } from "../db/helpers.ts"
import { allPaths, seedLibrary } from "./seed.ts"

/** Databases of upstream installs from before `MediaLocation` was saved: paths, and no saved location. */
const migratorOn = (db: DatabaseShape) =>
  Layer.build(PathMigrator.layer.pipe(Layer.provide(Layer.succeed(Database, db)))).pipe(
    Effect.map((context) => Context.get(context, PathMigrator))
  )

const captureLogs = () => {
  const logs: Array<string> = []
  const layer = Logger.layer([
    Logger.make(({ message }) => void logs.push(String(Array.isArray(message) ? message.join(" ") : message)))
  ])
  return { logs, layer }
}

/** An external-library asset: it lives outside the media location, so it is neither sampled nor moved. */
const addExternalAsset = (db: DatabaseShape, userId: string, originalPath: string) =>
  db.query("external", (sql) =>
    sql`
    with lib as (insert into library (name, "ownerId", "importPaths", "exclusionPatterns")
      values ('nas', ${userId}, '{/mnt/nas}', '{}') returning id)
    insert into asset ("ownerId", "libraryId", type, "originalPath", "originalFileName", checksum, "checksumAlgorithm",
      "fileCreatedAt", "fileModifiedAt", "localDateTime")
    select ${userId}, id, 'IMAGE', ${originalPath}, 'x.jpg', '\\x01', 'sha1-path', now(), now(), now() from lib`)

describe("PathMigrator on a database that never saved its media location", () => {
  it.effect("infers the previous location from the stored paths, rewrites them, and logs how it knew", () =>
    Effect.gen(function*() {
      const { db } = yield* freshDatabase
      const { userId } = yield* seedLibrary(db, "/old/base")
      yield* seedLibrary(db, "/old/base")
      yield* addExternalAsset(db, userId, "/mnt/nas/upload/2019/x.jpg")
      const migrator = yield* migratorOn(db)
      const { logs, layer } = captureLogs()
      const outcome = yield* migrator.followMediaLocation("s3://photos/immich").pipe(Effect.provide(layer))
      assert.strictEqual(outcome._tag, "Moved")
      // Two users, two originals, four generated files, two people: ten paths sampled, ten rewritten.
      assert.strictEqual(outcome._tag === "Moved" ? outcome.inferredFrom : -1, 10)
      assert.strictEqual(outcome._tag === "Moved" ? outcome.report.total : -1, 10)
      const paths = yield* allPaths(db)
      assert.deepStrictEqual(paths.filter((p) => !p.startsWith("s3://photos/immich/")), ["/mnt/nas/upload/2019/x.jpg"])
      assert.include(paths, `s3://photos/immich/upload/${userId}/ab/cd/abcd.jpg`)
      const logged = (text: string) => assert.isTrue(logs.some((l) => l.includes(text)), logs.join("\n"))
      logged("No media location was saved; the previous one, /old/base, was inferred from 10 sampled paths")
      logged("Media location changed from /old/base to s3://photos/immich: rewrote 10 paths")
      assert.strictEqual(yield* migrator.savedLocation, "s3://photos/immich")
      assert.strictEqual((yield* migrator.followMediaLocation("s3://photos/immich"))._tag, "Unchanged")
    }))

  it.effect("takes an album named like an Immich folder for what it is, once generated files name the base", () =>
    Effect.gen(function*() {
      const { db } = yield* freshDatabase
      const { userId } = yield* seedLibrary(db, "/old/base")
      // A storage template's album called "upload": read alone, this original seems to lie under .../admin.
      const album = "/old/base/library/admin/upload/IMG_0002.jpg"
      yield* db.query("template original", (sql) =>
        sql`
        insert into asset ("ownerId", type, "originalPath", "originalFileName", checksum, "checksumAlgorithm",
          "fileCreatedAt", "fileModifiedAt", "localDateTime")
        values (${userId}, 'IMAGE', ${album}, 'IMG_0002.jpg', '\\x02', 'sha1', now(), now(), now())`)
      const outcome = yield* (yield* migratorOn(db)).followMediaLocation("/data")
      assert.strictEqual(outcome._tag, "Moved")
      assert.include(yield* allPaths(db), "/data/library/admin/upload/IMG_0002.jpg")
    }))

  it.effect("saves the current location when the paths already lie under it, and rewrites nothing", () =>
    Effect.gen(function*() {
      const { db } = yield* freshDatabase
      yield* seedLibrary(db, "/data")
      const migrator = yield* migratorOn(db)
      const before = yield* allPaths(db)
      const { logs, layer } = captureLogs()
      const outcome = yield* migrator.followMediaLocation("/data/").pipe(Effect.provide(layer))
      assert.deepStrictEqual(outcome, { _tag: "Adopted", location: "/data", sampled: 5 })
      assert.deepStrictEqual(yield* allPaths(db), before)
      assert.strictEqual(yield* migrator.savedLocation, "/data")
      const expected = "Media location /data recorded: no location was saved, and all 5 sampled paths lie under it"
      assert.isTrue(logs.includes(expected), logs.join("\n"))
    }))

  it.effect("refuses to start when the sampled paths disagree, naming each base, and changes nothing", () =>
    Effect.gen(function*() {
      const { db } = yield* freshDatabase
      yield* seedLibrary(db, "/old/a")
      yield* seedLibrary(db, "/old/b")
      const migrator = yield* migratorOn(db)
      const before = yield* allPaths(db)
      const exit = yield* Effect.exit(migrator.followMediaLocation("/data"))
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
      const failure = error?._tag === "Fail" ? error.error : undefined
      assert.strictEqual(failure?._tag, "LegacyLocationInconsistent")
      const message = failure?.message ?? ""
      assert.include(message, "/old/a: 5 paths")
      assert.include(message, "/old/b: 5 paths")
      assert.include(message, "immich-storage migrate-paths --from <base> --to /data")
      assert.deepStrictEqual(yield* allPaths(db), before)
      assert.strictEqual(yield* migrator.savedLocation, undefined)
    }))

  it.effect("treats a database without paths as a first start, as before (unset columns are empty, not paths)", () =>
    Effect.gen(function*() {
      const { db } = yield* freshDatabase
      yield* db.query(
        "a user without a profile image",
        (sql) => sql`insert into "user" (email) values ('a@example.com')`
      )
      const migrator = yield* migratorOn(db)
      assert.deepStrictEqual(yield* migrator.followMediaLocation("/data"), { _tag: "FirstBoot", location: "/data" })
      assert.strictEqual(yield* migrator.savedLocation, "/data")
    }))
})
