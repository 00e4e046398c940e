import { assert, describe, it } from "@effect/vitest"
import { localLocation, makeLocalEngine, syncEngines } from "@immich-storage/core"
import type { StorageEngineShape } from "@immich-storage/core"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import { PART_SIZE } from "../../src/engine/parts.ts"
import { makeTestS3Engine, randomData, tempDirScoped } from "../engine/helpers.ts"

const options = { delete: false, checksum: false, concurrency: 4, excludes: [] as Array<string>, dryRun: false }

const local = Effect.flatMap(tempDirScoped, (dir) => makeLocalEngine(localLocation(`${dir.path}/media`)))

/** Keys whose UTF-8 byte order a walk or a server easily gets wrong: a directory's files go after `a-b` and `a.b`. */
const TRAP_KEYS = [
  "a-b",
  "a.b",
  "a/b",
  "a/c-d",
  "a/c.d",
  "a/c/d",
  "a0",
  "a b",
  "a!/x",
  "A",
  "B/x",
  "_x",
  "é",
  "\uFF01",
  "😀",
  "z"
]
const utf8Sorted = (keys: ReadonlyArray<string>) =>
  [...keys].sort((a, b) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")))
const listedKeys = (engine: StorageEngineShape, prefix = "") =>
  Stream.runCollect(engine.list(prefix)).pipe(Effect.map((files) => files.map((f) => f.key)))

describe("listings in UTF-8 byte order, which the streamed sync merges", () => {
  it.effect("the local walk lists a directory's files after the siblings that sort before `dir/`", () =>
    Effect.gen(function*() {
      const engine = yield* local
      for (const key of TRAP_KEYS) yield* engine.put(key, Buffer.from(key))
      assert.deepStrictEqual(yield* listedKeys(engine), utf8Sorted(TRAP_KEYS))
    }))

  it.effect("the S3 test server lists, and pages, in UTF-8 byte order (as AWS does)", () =>
    Effect.gen(function*() {
      const { engine } = yield* makeTestS3Engine()
      // 1,100 keys cross a 1,000-key page; locale order would interleave `a…` and `A…`, byte order does not.
      const paged = Array.from({ length: 550 }, (_, i) => [`p/a${i}`, `p/A${i}`]).flat()
      const keys = [...TRAP_KEYS, ...paged]
      yield* Effect.forEach(keys, (key) => engine.put(key, Buffer.from("x")), { concurrency: 16, discard: true })
      assert.deepStrictEqual(yield* listedKeys(engine), utf8Sorted(keys))
    }), { timeout: 60_000 })
})

describe("the streamed sync", () => {
  it.effect("starts copying while the source is still listing", () =>
    Effect.gen(function*() {
      const src = yield* local
      const { engine: dst } = yield* makeTestS3Engine()
      for (let i = 0; i < 20; i++) yield* src.put(`upload/u/${String(i).padStart(2, "0")}.jpg`, Buffer.from(`${i}`))
      const firstCopy = yield* Deferred.make<void>()
      // The real listing, held open after its files until a copy has finished: a plan that waited for the
      // whole listing would wait forever here.
      const held = Stream.concat(src.list(""), Stream.drain(Stream.fromEffect(Deferred.await(firstCopy))))
      const observed: StorageEngineShape = {
        ...dst,
        put: (key, body, opts) =>
          dst.put(key, body, opts).pipe(Effect.tap(() => Deferred.succeed(firstCopy, undefined)))
      }
      const run = yield* syncEngines({ ...src, list: () => held }, observed, options).pipe(Effect.timeout("20 seconds"))
      assert.strictEqual(run.result?.copied, 20)
      assert.strictEqual(run.counts.copy, 20)
      assert.deepStrictEqual(yield* listedKeys(dst), yield* listedKeys(src))
    }), { timeout: 60_000 })

  it.effect("refuses to plan from a listing out of order, and names the side", () =>
    Effect.gen(function*() {
      const src = yield* local
      const dst = yield* local
      for (const key of ["upload/a.jpg", "upload/b.jpg", "upload/c.jpg"]) yield* src.put(key, Buffer.from(key))
      // A fault the real servers here cannot cause any more: a server listing in another order, simulated by
      // reversing the real listing.
      const reversed = Stream.fromIterableEffect(
        Effect.map(Stream.runCollect(src.list("")), (files) => [...files].reverse())
      )
      const exit = yield* Effect.exit(syncEngines({ ...src, list: () => reversed }, dst, options))
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit)
        ? (exit.cause.reasons[0] as { error: Error & { _tag: string } }).error
        : undefined
      assert.strictEqual(error?._tag, "ListingOutOfOrder")
      assert.include(error?.message ?? "", `The source listed "upload/b.jpg" after "upload/c.jpg"`)
      assert.deepStrictEqual(yield* listedKeys(dst), [], "nothing was copied")
    }))

  it.effect(
    "with --delete --force, deletes extra files in batches as it finds them, holding none back",
    () =>
      Effect.gen(function*() {
        const src = yield* local
        const dst = yield* local
        yield* src.put("upload/keep.jpg", Buffer.from("k"))
        yield* Effect.forEach(
          Array.from({ length: 2500 }, (_, i) => `upload/old/${String(i).padStart(4, "0")}.jpg`),
          (key) => dst.put(key, Buffer.from("x")),
          { concurrency: 16, discard: true }
        )
        const batches: Array<number> = []
        const observed: StorageEngineShape = {
          ...dst,
          delete: (keys) => Effect.andThen(Effect.sync(() => void batches.push(keys.length)), dst.delete(keys))
        }
        const run = yield* syncEngines(src, observed, { ...options, delete: true, force: true })
        assert.strictEqual(run.result?.deleted, 2500)
        assert.deepStrictEqual(batches, [1000, 1000, 500])
        assert.deepStrictEqual(yield* listedKeys(dst), ["upload/keep.jpg"])
      }),
    { timeout: 60_000 }
  )

  it.effect("copies small files past a run of large ones that are still waiting", () =>
    Effect.gen(function*() {
      const src = yield* local
      const dst = yield* local
      // In key order the large files come first; their writes wait until every small file is written.
      const large = ["a/video-0.mp4", "a/video-1.mp4", "a/video-2.mp4"]
      const small = Array.from({ length: 10 }, (_, i) => `b/thumb-${i}.webp`)
      for (const key of large) yield* src.put(key, randomData(PART_SIZE + 1))
      for (const key of small) yield* src.put(key, Buffer.from(key))
      const smallDone = yield* Deferred.make<void>()
      let smallWritten = 0
      const observed: StorageEngineShape = {
        ...dst,
        put: (key, body, opts) =>
          key.startsWith("a/")
            ? Effect.andThen(Deferred.await(smallDone), dst.put(key, body, opts))
            : dst.put(key, body, opts).pipe(
              Effect.tap(() => (++smallWritten === small.length ? Deferred.succeed(smallDone, undefined) : Effect.void))
            )
      }
      // Two copy slots: were large files to hold them while they wait, no small file would ever be copied.
      const run = yield* syncEngines(src, observed, { ...options, concurrency: 2 }).pipe(Effect.timeout("30 seconds"))
      assert.strictEqual(run.result?.copied, 13)
      assert.deepStrictEqual(yield* listedKeys(dst), [...large, ...small])
    }), { timeout: 60_000 })
})
