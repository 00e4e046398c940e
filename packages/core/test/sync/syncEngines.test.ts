import { assert, describe, it } from "@effect/vitest"
import { localLocation, makeLocalEngine, syncEngines } from "@immich-storage/core"
import type { PlanEntry, StorageEngineShape } from "@immich-storage/core"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { hashStream, makeTestS3Engine, MiB, randomData, sha256, tempDirScoped } from "../engine/helpers.ts"

const options = { delete: false, checksum: false, concurrency: 8, excludes: [] as Array<string>, dryRun: false }

const local = Effect.flatMap(
  tempDirScoped,
  (dir) =>
    makeLocalEngine(localLocation(`${dir.path}/media`)).pipe(
      Effect.map((engine) => ({ engine, root: `${dir.path}/media` }))
    )
)

/** key → sha256 of every file. */
const contents = (engine: StorageEngineShape) =>
  Stream.runCollect(engine.list("")).pipe(
    Effect.flatMap((files) =>
      Effect.forEach(files, (f) =>
        Effect.flatMap(engine.get(f.key), (b) =>
          hashStream(b.stream)).pipe(Effect.map((h) => [f.key, h.sha] as const)))
    ),
    Effect.map((pairs) =>
      Object.fromEntries(pairs)
    )
  )

const seed = (engine: StorageEngineShape) =>
  Effect.gen(function*() {
    const big = randomData(20 * MiB + 5)
    yield* engine.put("upload/u/ab/cd/video.mp4", big)
    for (let i = 0; i < 40; i++) yield* engine.put(`thumbs/u/ab/cd/${i}_thumbnail.webp`, randomData(1000 + i))
    yield* engine.put("upload/.immich", Buffer.from("1700000000000"))
    yield* engine.put("profile/u/ünïcödé face #1.png", Buffer.from("face"))
    return sha256(big)
  })

describe("sync between engines", () => {
  it.effect("copies local → S3, then a second run copies nothing; changes and --delete follow", () =>
    Effect.gen(function*() {
      const { engine: src, root } = yield* local
      const { engine: dst } = yield* makeTestS3Engine()
      yield* seed(src)
      const first = yield* syncEngines(src, dst, options)
      assert.strictEqual(first.result?.copied, 43)
      assert.deepStrictEqual(yield* contents(dst), yield* contents(src))
      const second = yield* syncEngines(src, dst, options)
      assert.strictEqual(second.counts.copy, 0)
      assert.strictEqual(second.result?.unchanged, 43)
      // A resized thumbnail, a new original, a deleted thumbnail.
      yield* src.put("thumbs/u/ab/cd/0_thumbnail.webp", randomData(5000))
      yield* src.put("upload/u/ef/gh/new.heic", randomData(3000))
      yield* Effect.promise(() => fs.rm(path.join(root, "thumbs/u/ab/cd/1_thumbnail.webp")))
      const planned: Array<PlanEntry> = []
      const onPlanned = (entry: PlanEntry) => Effect.sync(() => void planned.push(entry))
      const dry = yield* syncEngines(src, dst, { ...options, delete: true, dryRun: true, onPlanned })
      const copies = planned.flatMap((e) => (e._tag === "Copy" ? [[e.file.key, e.reason]] : []))
      assert.deepStrictEqual(copies, [[
        "thumbs/u/ab/cd/0_thumbnail.webp",
        "size"
      ], ["upload/u/ef/gh/new.heic", "missing"]])
      assert.strictEqual(dry.result, undefined)
      const third = yield* syncEngines(src, dst, { ...options, delete: true })
      assert.deepStrictEqual([third.result?.copied, third.result?.deleted], [2, 1])
      assert.deepStrictEqual(yield* contents(dst), yield* contents(src))
    }))

  it.effect("copies S3 → local keeping the modification times, so the next run copies nothing", () =>
    Effect.gen(function*() {
      const { engine: src } = yield* makeTestS3Engine()
      const { engine: dst, root } = yield* local
      yield* seed(src)
      yield* syncEngines(src, dst, options)
      const stat = yield* Effect.promise(() => fs.stat(path.join(root, "upload/.immich")))
      const listed = (yield* Stream.runCollect(src.list("upload"))).find((f) => f.key === "upload/.immich")!
      assert.strictEqual(Math.floor(stat.mtimeMs / 1000), Math.floor(listed.lastModified.getTime() / 1000))
      const again = yield* syncEngines(src, dst, options)
      assert.strictEqual(again.counts.copy, 0)
    }))

  it.effect(
    "finishes after an interruption, with only whole files and nothing copied twice",
    () =>
      Effect.gen(function*() {
        const { engine: src } = yield* local
        const { engine: dst } = yield* makeTestS3Engine()
        yield* seed(src)
        const someDone = yield* Deferred.make<void>()
        let written = 0
        // The real engine, observed: after its fifth finished write the sync is interrupted.
        const observed: StorageEngineShape = {
          ...dst,
          put: (key, body, opts) =>
            dst.put(key, body, opts).pipe(
              Effect.tap(() => (++written === 5 ? Deferred.succeed(someDone, undefined) : Effect.void))
            )
        }
        const fiber = yield* Effect.forkChild(syncEngines(src, observed, { ...options, concurrency: 2 }))
        yield* Deferred.await(someDone)
        yield* Fiber.interrupt(fiber)
        const partial = yield* contents(dst)
        const whole = yield* contents(src)
        assert.isAtLeast(Object.keys(partial).length, 5)
        assert.isBelow(Object.keys(partial).length, 43, "the sync was really cut short")
        for (const [key, sha] of Object.entries(partial)) assert.strictEqual(sha, whole[key], `${key} is whole`)
        const rerun = yield* syncEngines(src, dst, options)
        assert.strictEqual(rerun.result?.copied, 43 - Object.keys(partial).length)
        assert.deepStrictEqual(yield* contents(dst), whole)
      }),
    { timeout: 60_000 }
  )

  it.effect("with --checksum, copies a same-size file whose content changed", () =>
    Effect.gen(function*() {
      const { engine: src, root } = yield* local
      const { engine: dst } = yield* makeTestS3Engine()
      yield* src.put("upload/a.jpg", Buffer.from("aaaa"))
      yield* syncEngines(src, dst, options)
      yield* src.put("upload/a.jpg", Buffer.from("bbbb"))
      // Pretend the edit kept the old time: size and time both say "unchanged".
      yield* Effect.promise(() => fs.utimes(path.join(root, "upload/a.jpg"), new Date(0), new Date(0)))
      assert.strictEqual((yield* syncEngines(src, dst, options)).result?.copied, 0)
      const checked = yield* syncEngines(src, dst, { ...options, checksum: true })
      assert.strictEqual(checked.result?.copied, 1)
      assert.deepStrictEqual(yield* contents(dst), yield* contents(src))
    }))

  it.effect("reports a file that vanished mid-sync and copies the rest", () =>
    Effect.gen(function*() {
      const { engine: src, root } = yield* local
      const { engine: dst } = yield* makeTestS3Engine()
      yield* src.put("upload/keep.jpg", Buffer.from("k"))
      yield* src.put("upload/gone.jpg", Buffer.from("g"))
      const { executeSync, planSync } = yield* Effect.promise(() => import("@immich-storage/core"))
      const plan = planSync(yield* Stream.runCollect(src.list("")), [])
      yield* Effect.promise(() => fs.rm(path.join(root, "upload/gone.jpg")))
      const result = yield* executeSync(src, dst, plan, options)
      assert.strictEqual(result.copied, 1)
      assert.deepStrictEqual(result.failures.map((f) => [f.key, f.operation]), [["upload/gone.jpg", "copy"]])
      assert.include(result.failures[0]!.message, "gone.jpg")
    }))
})
