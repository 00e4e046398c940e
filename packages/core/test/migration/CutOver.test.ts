import { assert, describe, it } from "@effect/vitest"
import { CutOver, Database, PathMigrator, SERVER_APPLICATION_NAME } from "@immich-storage/core"
import type { CopyPass, CutOverOptions, CutOverStep, DatabaseShape, SyncProgress } from "@immich-storage/core"
import { createTestBucket, s3TestEnv, TEST_POSTGRES } from "@immich-storage/testkit"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import postgres from "postgres"
import { inject } from "vitest"
import { freshDatabase } from "../db/helpers.ts"
import { tempDirScoped } from "../engine/helpers.ts"
import { failureOf } from "../failures.ts"

const cutOverOn = (db: DatabaseShape) =>
  Effect.gen(function*() {
    const layer = CutOver.layer.pipe(Layer.provideMerge(PathMigrator.layer), Layer.provide(Layer.succeed(Database, db)))
    const services = yield* Layer.build(layer)
    return { cutOver: Context.get(services, CutOver), migrator: Context.get(services, PathMigrator) }
  })

/** Runs the cut-over with `env` as the environment, recording its steps and the last progress of each copy. */
const runWith = (
  cutOver: typeof CutOver.Service,
  env: Record<string, string>,
  options: Omit<CutOverOptions, "onStep" | "progressFor">
) =>
  Effect.gen(function*() {
    const steps: Array<CutOverStep> = []
    const progress = new Map<CopyPass, SyncProgress>()
    const exit = yield* Effect.exit(
      cutOver.run({
        ...options,
        onStep: (step) => Effect.sync(() => void steps.push(step)),
        progressFor: (pass) => (p) => Effect.sync(() => void progress.set(pass, p))
      }).pipe(Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env })))
    )
    return { exit, outcome: Exit.isSuccess(exit) ? exit.value : undefined, steps, progress }
  })

const profilePath = (db: DatabaseShape) =>
  db.query("read the profile path", (sql) => sql<Array<{ p: string }>>`select "profileImagePath" as p from "user"`)
    .pipe(Effect.map((rows) => rows[0]?.p))

/** A real connection named as the server names its own: what `pg_stat_activity` shows of a running server. */
const serverConnection = (database: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const connection = { application_name: SERVER_APPLICATION_NAME }
      const sql = postgres({ ...TEST_POSTGRES, database, max: 1, connection })
      await sql`select 1`
      return sql
    }),
    (sql) => Effect.promise(() => sql.end())
  )

const write = (file: string, text: string) =>
  Effect.promise(() => fs.mkdir(path.dirname(file), { recursive: true }).then(() => fs.writeFile(file, text)))

const copied = (steps: ReadonlyArray<CutOverStep>, pass: CopyPass) =>
  steps.flatMap((s) => (s._tag === "Copied" && s.pass === pass ? [s.result] : []))

describe("CutOver", () => {
  it.live(
    "moves a running install to S3 and back: bulk copy, stop, final copy, verify, path switch",
    () =>
      Effect.gen(function*() {
        const temp = yield* tempDirScoped
        const media = path.join(temp.path, "media")
        const { db, name } = yield* freshDatabase
        const { cutOver, migrator } = yield* cutOverOn(db)
        yield* migrator.followMediaLocation(media)
        for (const file of ["upload/u/ab/cd/a.jpg", "thumbs/u/ab/cd/a.webp", "profile/u/face.jpg"]) {
          yield* write(path.join(media, file), file)
        }
        const face = `${media}/profile/u/face.jpg`
        yield* db.query(
          "a user",
          (sql) => sql`insert into "user" (email, "profileImagePath") values ('a@example.com', ${face})`
        )
        const bucket = yield* Effect.promise(() => createTestBucket(inject("s3Endpoint")))
        const s3 = s3TestEnv(inject("s3Endpoint"), bucket, "immich")
        const bucketBase = `s3://${s3["S3_BUCKET"]}/immich`
        const toS3 = { to: "s3", serverStopped: false, delete: false, concurrency: 4 } as const

        const bulk = yield* Effect.scoped(Effect.flatMap(serverConnection(name), () => runWith(cutOver, s3, toS3)))
        assert.deepStrictEqual(bulk.outcome, { _tag: "ServerRunning", from: media, to: bucketBase }, String(bulk.exit))
        assert.deepStrictEqual(bulk.steps[0], { _tag: "Copying", from: media, to: bucketBase })
        assert.strictEqual(copied(bulk.steps, "bulk")[0]?.copied, 3)
        assert.deepStrictEqual(copied(bulk.steps, "final"), [])
        assert.strictEqual(bulk.progress.get("bulk")?.filesDone, 3)
        // Progress while listing: objects merged so far, of about as many as the database holds paths (one here).
        assert.include(bulk.progress.get("bulk"), { listed: 3, expected: 1, listing: false })
        assert.strictEqual(yield* profilePath(db), face)

        // The server is stopped now (its connection closed); a file arrived during the bulk copy.
        yield* write(path.join(media, "upload/u/ab/cd/late.jpg"), "uploaded during the bulk copy")
        const final = yield* runWith(cutOver, s3, toS3)
        assert.strictEqual(final.outcome?._tag, "Switched", String(final.exit))
        assert.deepStrictEqual(copied(final.steps, "bulk"), [], "no second bulk pass once the server is stopped")
        assert.include(copied(final.steps, "final")[0], { copied: 1, unchanged: 3 })
        assert.strictEqual(final.progress.get("final")?.filesTotal, 1)
        const verified = final.steps.find((s) => s._tag === "Verified")
        assert.deepStrictEqual(verified, { _tag: "Verified", files: 4, location: bucketBase })
        const rewritten = final.steps.find((s) => s._tag === "Rewritten")
        const columns = rewritten?._tag === "Rewritten" ? rewritten.report.columns : []
        assert.strictEqual(columns.find((c) => c.table === "user")?.count, 1)
        assert.include(final.outcome?._tag === "Switched" ? final.outcome.environment : [], "IMMICH_STORAGE_ENGINE=s3")
        assert.strictEqual(yield* profilePath(db), `${bucketBase}/profile/u/face.jpg`)
        assert.strictEqual(yield* migrator.savedLocation, bucketBase)

        const back = path.join(temp.path, "media-again")
        const toLocal = { ...toS3, to: "local", serverStopped: true } as const
        const again = yield* runWith(cutOver, { ...s3, IMMICH_MEDIA_LOCATION: back }, toLocal)
        const environment = again.outcome?._tag === "Switched" ? again.outcome.environment : []
        assert.include(environment, `IMMICH_MEDIA_LOCATION=${back}`)
        const late = yield* Effect.promise(() => fs.readFile(path.join(back, "upload/u/ab/cd/late.jpg"), "utf8"))
        assert.strictEqual(late, "uploaded during the bulk copy")
        assert.strictEqual(yield* profilePath(db), `${back}/profile/u/face.jpg`)

        const noop = yield* runWith(cutOver, { IMMICH_MEDIA_LOCATION: back }, { ...toS3, to: "local" })
        assert.deepStrictEqual(noop.outcome, { _tag: "AlreadyThere", location: back }, String(noop.exit))
        assert.deepStrictEqual(noop.steps, [])
      }),
    { timeout: 60_000 }
  )

  it.live("says what is missing: no saved location, or a target without settings", () =>
    Effect.gen(function*() {
      const { db } = yield* freshDatabase
      const { cutOver, migrator } = yield* cutOverOn(db)
      const options = { to: "s3", serverStopped: false, delete: false, concurrency: 4 } as const
      const unsaved = failureOf((yield* runWith(cutOver, {}, options)).exit)
      assert.strictEqual(unsaved?._tag, "NoSavedLocation")
      assert.include(unsaved?.message ?? "", "start the server once")

      yield* migrator.followMediaLocation("/data")
      const unconfigured = failureOf((yield* runWith(cutOver, {}, options)).exit)
      assert.strictEqual(unconfigured?._tag, "CutOverTargetNotConfigured")
      assert.include(unconfigured?.message ?? "", "S3_BUCKET")
      assert.strictEqual(yield* migrator.savedLocation, "/data")
    }))
})
