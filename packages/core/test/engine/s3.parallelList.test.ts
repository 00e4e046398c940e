import { assert, describe, it } from "@effect/vitest"
import { startS3Proxy } from "@immich-storage/testkit"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { inject } from "vitest"
import type { StorageEngineShape } from "../../src/engine/StorageEngine.ts"
import { makeTestS3Engine } from "./helpers.ts"

const keysOf = (engine: StorageEngineShape, concurrency?: number) =>
  Stream.runCollect(engine.list("", { concurrency })).pipe(Effect.map((infos) => infos.map((info) => info.key)))

const byteOrder = (keys: ReadonlyArray<string>) =>
  [...keys].sort((a, b) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")))

const putAll = (engine: StorageEngineShape, keys: ReadonlyArray<string>) =>
  Effect.forEach(keys, (key) => engine.put(key, Buffer.from("x")), { concurrency: 16, discard: true })

// Segments that order differently in byte order, locale order and "folder first" order.
const TRAPS = ["a", "b", "a-b", "a.b", "a0", "A", "_x", "é", "e", "\uFF01", "😀", "b0", "upload", "upload2"]

/** A small random tree: keys 1–4 segments deep, some of them also a folder's name ("a/b" beside "a/b/c"). */
const randomTree = (random: () => number, size: number): Array<string> => {
  const pick = () => TRAPS[Math.floor(random() * TRAPS.length)]!
  const keys = new Set<string>()
  while (keys.size < size) {
    const depth = 1 + Math.floor(random() * 4)
    keys.add(Array.from({ length: depth }, pick).join("/"))
  }
  return [...keys]
}

const seeded = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
}

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const started = performance.now()
    const value = yield* effect
    return { ms: performance.now() - started, value }
  })

describe("S3 listing in parallel", () => {
  it.effect(
    "yields the serial listing's keys, in UTF-8 byte order, on random trees of ordering traps",
    () =>
      Effect.gen(function*() {
        for (const [seed, concurrency, pageSize] of [[1, 2, 1000], [2, 3, 7], [3, 8, 5], [4, 16, 1000]] as const) {
          const { engine } = yield* makeTestS3Engine({ engine: { listPageSize: pageSize } })
          const keys = randomTree(seeded(seed), 120)
          yield* putAll(engine, keys)
          const serial = yield* keysOf(engine)
          assert.deepStrictEqual(serial, byteOrder(keys), "the serial listing is in byte order")
          const parallel = yield* keysOf(engine, concurrency)
          assert.deepStrictEqual(parallel, serial, `seed ${seed}, concurrency ${concurrency}, pages of ${pageSize}`)
        }
      }),
    { timeout: 120_000 }
  )

  it.effect(
    "lists a folder too large to split whole, and one prefix's many pages, in order",
    () =>
      Effect.gen(function*() {
        const { engine } = yield* makeTestS3Engine({ engine: { listPageSize: 20 } })
        const flat = Array.from({ length: 45 }, (_, i) => `f${String(i).padStart(3, "0")}`)
        const deep = Array.from({ length: 70 }, (_, i) => `big/${i % 3}/k${i}`)
        // "mid/" holds more than a page directly: it is listed whole; "big/<n>/" prefixes take two pages each.
        const keys = [...flat.map((key) => `mid/${key}`), ...deep, "big", "big.jpg", "big-b/x", "small/y"]
        yield* putAll(engine, keys)
        assert.deepStrictEqual(yield* keysOf(engine, 4), byteOrder(keys))
        const { engine: prefixed } = yield* makeTestS3Engine({ engine: { listPageSize: 20 } })
        yield* putAll(prefixed, flat)
        assert.deepStrictEqual(yield* keysOf(prefixed, 4), byteOrder(flat), "a root of more than a page: listed whole")
      }),
    { timeout: 120_000 }
  )

  it.effect(
    "at 20 ms a request, lists 3,000 objects in 30 prefixes much faster, ≤ concurrency requests at once",
    () =>
      Effect.gen(function*() {
        const { bucket, engine: near } = yield* makeTestS3Engine()
        const keys = Array.from({ length: 3000 }, (_, i) => `upload/u${i % 30}/${String(i).padStart(5, "0")}.jpg`)
        yield* putAll(near, keys)
        const proxy = yield* Effect.acquireRelease(
          Effect.promise(() => startS3Proxy(inject("s3Endpoint"), { latencyMs: 20 })),
          (started) => Effect.promise(() => started.stop())
        )
        // Pages of 50 keys make 60 pages: the round trips a million objects make at 1,000 keys a page, scaled down.
        const { engine: far } = yield* makeTestS3Engine({
          endpoint: proxy.endpoint,
          bucket,
          engine: { listPageSize: 50 }
        })
        const serial = yield* timed(keysOf(far))
        assert.strictEqual(proxy.peakInFlight(), 1, "the serial listing is one chain of pages")
        proxy.resetPeak()
        const parallel = yield* timed(keysOf(far, 8))
        assert.deepStrictEqual(parallel.value, serial.value)
        assert.strictEqual(serial.value.length, 3000)
        assert.isAtMost(proxy.peakInFlight(), 8, "never more than --list-concurrency requests in flight")
        assert.isAtLeast(proxy.peakInFlight(), 4, "several pages were in flight")
        assert.isAtLeast(serial.ms, 60 * 20, "60 serial pages at 20 ms each")
        console.log(
          `listing 3,000 objects at 20 ms: serial ${serial.ms.toFixed(0)} ms, parallel ${parallel.ms.toFixed(0)} ms`
        )
        assert.isBelow(parallel.ms, 0.6 * serial.ms, `parallel ${parallel.ms} ms, serial ${serial.ms} ms`)
      }),
    { timeout: 120_000 }
  )

  it.effect(
    "lists runs of small neighbouring prefixes in one request each, in order, placeholders and loose keys among them",
    () =>
      Effect.gen(function*() {
        const { bucket, engine: near } = yield* makeTestS3Engine()
        // Immich's layout while a library is young: hundreds of two-character folders of a few files each.
        const folders = Array.from({ length: 300 }, (_, i) => `upload/u${i % 2}/${i.toString(16).padStart(2, "0")}`)
        const keys = folders.flatMap((folder) => [1, 2, 3, 4].map((n) => `${folder}/${n}.jpg`))
        // Keys beside the folders ("07.jpg" sorts before "07/", "070" after it) cut runs short.
        keys.push("upload/u1/07.jpg", "upload/u1/070", "upload/u0/zz.jpg", "thumbs.json")
        yield* putAll(near, keys)
        // A folder placeholder ("07/" as a key of its own), as the S3 consoles make: it is skipped, as ever.
        yield* Effect.promise(() =>
          fetch(`${inject("s3Endpoint")}/${bucket}/upload/u1/07/`, { method: "PUT", body: "" }).then((r) => r.text())
        )
        const proxy = yield* Effect.acquireRelease(
          Effect.promise(() => startS3Proxy(inject("s3Endpoint"))),
          (started) => Effect.promise(() => started.stop())
        )
        const { engine: far } = yield* makeTestS3Engine({ endpoint: proxy.endpoint, bucket })
        const serial = yield* keysOf(far)
        assert.deepStrictEqual(serial, byteOrder(keys))
        proxy.requests.length = 0
        assert.deepStrictEqual(yield* keysOf(far, 8), serial)
        const lists = proxy.requests.filter((r) => r.method === "GET").length
        assert.isBelow(lists, 60, `${lists} requests for 300 folders: neighbouring folders are listed together`)
      }),
    { timeout: 120_000 }
  )

  it.effect(
    "fails, without hanging, when one prefix's listing is refused while others are read ahead",
    () =>
      Effect.gen(function*() {
        const { bucket, engine: near } = yield* makeTestS3Engine()
        yield* putAll(near, Array.from({ length: 200 }, (_, i) => `upload/u${i % 10}/${i}.jpg`))
        const proxy = yield* Effect.acquireRelease(
          Effect.promise(() => startS3Proxy(inject("s3Endpoint"))),
          (started) => Effect.promise(() => started.stop())
        )
        const { engine } = yield* makeTestS3Engine({ endpoint: proxy.endpoint, bucket, engine: { listPageSize: 15 } })
        const listsU7 = (r: { readonly url: string }) =>
          new URL(r.url, "http://x").searchParams.get("prefix")?.endsWith("/u7/")
        proxy.injectFaults([{ status: 403, code: "AccessDenied" }], (r) => listsU7(r) === true)
        const exit = yield* Effect.exit(keysOf(engine, 4))
        assert.isTrue(exit._tag === "Failure" && String(exit.cause).includes("AccessDenied"), String(exit))
      }),
    { timeout: 60_000 }
  )
})
