import { CreateMultipartUploadCommand, ListMultipartUploadsCommand } from "@aws-sdk/client-s3"
import { assert, describe, it } from "@effect/vitest"
import { cleanLeftovers, describeLeftovers, HOUR_MS, localLocation, makeLocalEngine } from "@immich-storage/core"
import type { StorageEngineShape } from "@immich-storage/core"
import { rawS3Client } from "@immich-storage/testkit"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { inject } from "vitest"
import { makeTestS3Engine, tempDirScoped } from "../engine/helpers.ts"

const TEMP = ".immich-storage-0b7e5c1a-3f2d-4e6a-9c8b-1d2e3f4a5b6c.tmp"
const DUMP_TEMP = "backups/immich-db-backup-20250101T020000-v1.137.3-pg14.17.sql.gz.tmp"
/** Files a user may have that look like leftovers and are not: never removed. */
const LOOKALIKES = [
  "upload/u/.immich-storage-notes.tmp",
  "upload/u/photo.tmp",
  "upload/u/immich-db-backup-20250101T020000-v1-pg14.sql.gz.tmp",
  "backups/manual.sql.gz.tmp",
  "backups/nested/immich-db-backup-20250101T020000-v1-pg14.sql.gz.tmp",
  "upload/u/IMG_0001.jpg"
]

const keysOf = (engine: StorageEngineShape) =>
  Stream.runCollect(engine.list("")).pipe(Effect.map((infos) => infos.map((i) => i.key).sort()))
const later = () => new Date(Date.now() + 1000)

describe("crash leftovers", () => {
  it.effect("on local disk: only the engine's temp files and Immich's unfinished dumps go, once old enough", () =>
    Effect.gen(function*() {
      const dir = yield* tempDirScoped
      const root = path.join(dir.path, "media")
      const engine = yield* makeLocalEngine(localLocation(root))
      for (const key of LOOKALIKES) yield* engine.put(key, Buffer.from("mine"))
      yield* engine.put(DUMP_TEMP, Buffer.from("half a dump"))
      // Files left as a kill -9 leaves them (the server and sync tests make them with a real kill -9).
      yield* Effect.promise(async () => {
        await fs.mkdir(path.join(root, "upload/u/ab/cd"), { recursive: true })
        await fs.writeFile(path.join(root, "upload/u/ab/cd", TEMP), Buffer.alloc(3000))
        await fs.writeFile(path.join(root, TEMP.replace("0b7e", "1c8f")), Buffer.alloc(1000))
        // A link named like a temp file, to a file outside the location: neither goes.
        await fs.writeFile(path.join(dir.path, "outside.jpg"), "not yours")
        await fs.symlink(path.join(dir.path, "outside.jpg"), path.join(root, "upload/u", TEMP.replace("0b7e", "2d9a")))
      })
      const before = yield* keysOf(engine)

      const young = yield* cleanLeftovers(engine, { maxAgeMs: HOUR_MS, now: later(), dryRun: false })
      assert.deepStrictEqual([young.removed.length, young.kept], [0, 3])

      const dry = yield* cleanLeftovers(engine, { maxAgeMs: 0, now: later(), dryRun: true })
      const expected = [TEMP.replace("0b7e", "1c8f"), DUMP_TEMP, `upload/u/ab/cd/${TEMP}`].sort()
      assert.deepStrictEqual(dry.removed.map((r) => r.key).sort(), expected)
      assert.isTrue(yield* Effect.promise(() => fs.access(path.join(root, "upload/u/ab/cd", TEMP)).then(() => true)))
      assert.match(
        describeLeftovers(dry),
        /^Would remove 3 crash leftovers older than 0s from .*: 2 temp files \(3\.9 KiB\), 1 unfinished database dump \(0\.0 KiB\)$/
      )

      const done = yield* cleanLeftovers(engine, { maxAgeMs: 0, now: later(), dryRun: false })
      assert.strictEqual(done.removed.length, 3)
      assert.deepStrictEqual(done.failed, [])
      const left = yield* Effect.promise(() => fs.readdir(root, { recursive: true }))
      assert.deepStrictEqual(left.filter((f) => f.endsWith(TEMP) || f.endsWith(TEMP.replace("0b7e", "1c8f"))), [])
      assert.isTrue(left.includes(`upload/u/${TEMP.replace("0b7e", "2d9a")}`), "the link stays")
      const outside = yield* Effect.promise(() => fs.readFile(path.join(dir.path, "outside.jpg"), "utf8"))
      assert.strictEqual(outside, "not yours")
      assert.deepStrictEqual(yield* keysOf(engine), before.filter((k) => k !== DUMP_TEMP))
      for (const key of LOOKALIKES) assert.include(yield* keysOf(engine), key)
    }))

  it.effect("on S3: uploads below the location's prefix are aborted once old, nothing outside it, no object", () =>
    Effect.gen(function*() {
      const { bucket, engine, settings } = yield* makeTestS3Engine()
      const client = rawS3Client(inject("s3Endpoint"))
      yield* Effect.addFinalizer(() => Effect.sync(() => client.destroy()))
      for (const key of LOOKALIKES) yield* engine.put(key, Buffer.from("mine"))
      yield* engine.put(DUMP_TEMP, Buffer.from("half a dump"))
      const start = (Key: string) =>
        Effect.promise(() => client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key })))
      yield* start(`${settings.prefix}/upload/u/ab/cd/video.mp4`)
      yield* start(`${settings.prefix}/backups/immich-db-backup-20250101T020000-v1-pg14.sql.gz`)
      // Someone else's uploads in the same bucket: a sibling prefix and the bucket's root.
      yield* start(`${settings.prefix}2/upload/other.mp4`)
      yield* start("elsewhere.mp4")
      const uploads = () =>
        Effect.promise(() => client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).pipe(
          Effect.map((page) => (page.Uploads ?? []).map((u) => u.Key!).sort())
        )
      const before = yield* keysOf(engine)

      const young = yield* cleanLeftovers(engine, { maxAgeMs: HOUR_MS, now: later(), dryRun: false })
      assert.deepStrictEqual([young.removed.length, young.kept], [0, 3])
      const dry = yield* cleanLeftovers(engine, { maxAgeMs: 0, now: later(), dryRun: true })
      assert.strictEqual(dry.removed.length, 3)
      assert.strictEqual((yield* uploads()).length, 4)

      const done = yield* cleanLeftovers(engine, { maxAgeMs: 0, now: later(), dryRun: false })
      assert.deepStrictEqual(done.removed.map((r) => `${r.kind} ${r.key}`).sort(), [
        `backup-temp ${DUMP_TEMP}`,
        "multipart-upload backups/immich-db-backup-20250101T020000-v1-pg14.sql.gz",
        "multipart-upload upload/u/ab/cd/video.mp4"
      ])
      assert.deepStrictEqual(yield* uploads(), ["elsewhere.mp4", `${settings.prefix}2/upload/other.mp4`])
      assert.deepStrictEqual(yield* keysOf(engine), before.filter((k) => k !== DUMP_TEMP))
      assert.match(
        describeLeftovers(done),
        /Removed 3 crash leftovers older than 0s from s3:.*: 2 incomplete uploads, 1 unfinished database dump \(0\.0 KiB\)$/
      )
    }))
})
