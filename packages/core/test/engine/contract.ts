import { assert, layer } from "@effect/vitest"
import { compareKeys, StorageEngine } from "@immich-storage/core"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { failureOf } from "../failures.ts"
import { chunked, hashStream, MiB, randomData, readAll, sha256 } from "./helpers.ts"

const failureTag = <A, E extends { _tag: string }>(exit: Exit.Exit<A, E>): string | undefined => failureOf(exit)?._tag

/** The behaviour every StorageEngine must have, whatever it stores on. */
export const engineContract = (name: string, engineLayer: Layer.Layer<StorageEngine>) =>
  layer(engineLayer, { timeout: 120_000 })(`StorageEngine contract: ${name}`, (it) => {
    it.effect.each([
      { label: "0 B", size: 0 },
      { label: "1 B", size: 1 },
      { label: "5 MiB + 1", size: 5 * MiB + 1 },
      { label: "64 MiB (multipart on S3)", size: 64 * MiB }
    ])("round-trips $label streamed in and out, byte for byte", ({ label, size }) =>
      Effect.gen(function*() {
        const engine = yield* StorageEngine
        const data = randomData(size)
        const key = `roundtrip/${label.replace(/\W+/g, "-")}.bin`
        const info = yield* engine.put(key, chunked(data))
        assert.strictEqual(info.size, size)
        const stat = yield* engine.stat(key)
        assert.strictEqual(stat.size, size)
        const body = yield* engine.get(key)
        const read = yield* hashStream(body.stream)
        assert.strictEqual(read.size, size)
        assert.strictEqual(read.sha, sha256(data))
      }))

    it.effect("round-trips a body given as bytes, and an overwrite replaces it", () =>
      Effect.gen(function*() {
        const engine = yield* StorageEngine
        yield* engine.put("bytes/a.txt", Buffer.from("first version"))
        yield* engine.put("bytes/a.txt", Buffer.from("second"))
        const body = yield* engine.get("bytes/a.txt")
        assert.strictEqual((yield* readAll(body.stream)).toString(), "second")
        assert.strictEqual(body.info.size, 6)
      }))

    it.effect("reads small objects whole: exact bytes and info, undefined above the limit, empty ones too", () =>
      Effect.gen(function*() {
        const engine = yield* StorageEngine
        const data = randomData(100_000)
        yield* engine.put("small/photo.jpg", data)
        yield* engine.put("small/empty.xmp", new Uint8Array(0))
        const whole = yield* engine.readSmall("small/photo.jpg", 100_000)
        assert.strictEqual(sha256(Buffer.from(whole!.bytes)), sha256(data))
        assert.strictEqual(whole!.info.size, 100_000)
        assert.strictEqual(whole!.info.key, "small/photo.jpg")
        assert.isUndefined(yield* engine.readSmall("small/photo.jpg", 99_999))
        const empty = yield* engine.readSmall("small/empty.xmp", 1024)
        assert.strictEqual(empty?.bytes.length, 0)
        assert.strictEqual(empty?.info.size, 0)
        assert.strictEqual(
          failureTag(yield* Effect.exit(engine.readSmall("small/missing.jpg", 1024))),
          "ObjectNotFound"
        )
        assert.strictEqual(failureTag(yield* Effect.exit(engine.readSmall("../outside.jpg", 1024))), "InvalidKey")
      }))

    it.effect("serves byte ranges: first byte, middle, last byte, suffix, open end", () =>
      Effect.gen(function*() {
        const engine = yield* StorageEngine
        const data = Buffer.from("0123456789abcdefghij")
        yield* engine.put("ranges/r.txt", data)
        const read = (range: Parameters<typeof engine.get>[1]) =>
          engine.get("ranges/r.txt", range).pipe(Effect.flatMap((b) =>
            readAll(b.stream).pipe(
              Effect.map((bytes) => ({ bytes: bytes.toString(), range: b.range, size: b.info.size }))
            )
          ))
        const first = yield* read({ start: 0, end: 0 })
        assert.deepStrictEqual(first, { bytes: "0", range: { start: 0, end: 0 }, size: 20 })
        const middle = yield* read({ start: 5, end: 9 })
        assert.deepStrictEqual(middle, { bytes: "56789", range: { start: 5, end: 9 }, size: 20 })
        const last = yield* read({ start: 19, end: 19 })
        assert.deepStrictEqual(last, { bytes: "j", range: { start: 19, end: 19 }, size: 20 })
        const suffix = yield* read({ suffixLength: 3 })
        assert.deepStrictEqual(suffix, { bytes: "hij", range: { start: 17, end: 19 }, size: 20 })
        const openEnd = yield* read({ start: 15 })
        assert.deepStrictEqual(openEnd, { bytes: "fghij", range: { start: 15, end: 19 }, size: 20 })
        const clamped = yield* read({ start: 18, end: 1000 })
        assert.deepStrictEqual(clamped, { bytes: "ij", range: { start: 18, end: 19 }, size: 20 })
        const outside = yield* Effect.exit(engine.get("ranges/r.txt", { start: 20 }))
        assert.strictEqual(failureTag(outside), "RangeNotSatisfiable")
      }))

    it.effect("answers a suffix longer than the object with the whole object, and a 416 with the object's size", () =>
      Effect.gen(function*() {
        const engine = yield* StorageEngine
        const data = Buffer.from("0123456789abcdefghij")
        yield* engine.put("ranges/s.txt", data)
        yield* engine.put("ranges/empty.txt", new Uint8Array(0))
        for (const suffixLength of [20, 21, 1_000_000]) {
          const body = yield* engine.get("ranges/s.txt", { suffixLength })
          assert.deepStrictEqual(body.range, { start: 0, end: 19 }, `bytes=-${suffixLength}`)
          assert.strictEqual(body.info.size, 20)
          assert.strictEqual((yield* readAll(body.stream)).toString(), data.toString())
        }
        for (
          const [key, range, size] of [
            ["ranges/s.txt", { start: 20 }, 20],
            ["ranges/s.txt", { start: 25, end: 30 }, 20],
            // "bytes=-0" selects nothing (RFC 9110 §14.1.3), as the server's Range parser passes it on.
            ["ranges/s.txt", { suffixLength: 0 }, 20],
            ["ranges/empty.txt", { suffixLength: 5 }, 0],
            ["ranges/empty.txt", { start: 0 }, 0]
          ] as const
        ) {
          const error = failureOf(yield* Effect.exit(engine.get(key, range)))
          assert.strictEqual(error?._tag, "RangeNotSatisfiable", JSON.stringify(range))
          const reported = error?._tag === "RangeNotSatisfiable" ? error.size : undefined
          assert.strictEqual(reported, size, JSON.stringify(range))
        }
      }))

    it.effect("lists more than 1,000 keys under a prefix, paginated, and not its string-prefix siblings", () =>
      Effect.gen(function*() {
        const engine = yield* StorageEngine
        const keys = Array.from({ length: 1050 }, (_, i) => `many/${String(i % 7)}/${String(i).padStart(4, "0")}.txt`)
        yield* Effect.forEach(keys, (key) => engine.put(key, Buffer.from(key)), { concurrency: 32, discard: true })
        yield* engine.put("many2/outside.txt", Buffer.from("x"))
        yield* engine.put("many-sibling.txt", Buffer.from("x"))
        const listed = yield* Stream.runCollect(engine.list("many"))
        assert.strictEqual(listed.length, keys.length)
        assert.deepStrictEqual(listed.map((i) => i.key), [...keys].sort(compareKeys))
        assert.isTrue(listed.every((i) => i.size === Buffer.byteLength(i.key)))
        yield* engine.delete(keys)
        assert.strictEqual((yield* Stream.runCollect(engine.list("many"))).length, 0)
        assert.strictEqual((yield* Stream.runCollect(engine.list("many2"))).length, 1)
      }))

    it.effect("lists afresh each time the same listing stream is run", () =>
      Effect.gen(function*() {
        const engine = yield* StorageEngine
        const listing = engine.list("again")
        yield* engine.put("again/one.txt", Buffer.from("1"))
        assert.deepStrictEqual((yield* Stream.runCollect(listing)).map((i) => i.key), ["again/one.txt"])
        yield* engine.put("again/two.txt", Buffer.from("2"))
        assert.deepStrictEqual((yield* Stream.runCollect(listing)).map((i) => i.key), [
          "again/one.txt",
          "again/two.txt"
        ])
      }))

    it.effect("keeps keys with spaces, unicode, +, #, % and quotes exactly", () =>
      Effect.gen(function*() {
        const engine = yield* StorageEngine
        const keys = [
          "odd/with space.jpg",
          "odd/ünïcödé 写真 😀.heic",
          "odd/plus+sign.png",
          "odd/hash#tag.png",
          "odd/percent%20literal%.png",
          "odd/quote's \"double\".txt",
          "odd/back\\slash.txt",
          "odd/under_score~tilde&amp=eq.txt"
        ]
        for (const key of keys) yield* engine.put(key, Buffer.from(`content of ${key}`))
        // Compared as sets: the engine contract also runs on external servers, whose order sync checks itself.
        const listed = (yield* Stream.runCollect(engine.list("odd"))).map((i) => i.key)
        assert.deepStrictEqual([...listed].sort(compareKeys), [...keys].sort(compareKeys))
        for (const key of keys) {
          const body = yield* engine.get(key)
          assert.strictEqual((yield* readAll(body.stream)).toString(), `content of ${key}`)
        }
        yield* engine.copy(keys[1]!, "odd/copy of ünïcödé #1.heic")
        const copied = yield* engine.get("odd/copy of ünïcödé #1.heic")
        assert.strictEqual((yield* readAll(copied.stream)).toString(), `content of ${keys[1]}`)
      }))

    it.effect("lists keys with control characters (which XML 1.0 cannot carry) exactly", () =>
      Effect.gen(function*() {
        const engine = yield* StorageEngine
        // The key rules refuse only NUL; S3 lists such keys URL-encoded (encoding-type=url).
        const keys = [
          "control/bell\u0007.jpg",
          "control/line\nfeed\r.txt",
          "control/\u0001start.png",
          "control/del\u007f tab\t.heic"
        ]
        for (const key of keys) yield* engine.put(key, Buffer.from(`content of ${JSON.stringify(key)}`))
        const listed = (yield* Stream.runCollect(engine.list("control"))).map((i) => i.key)
        assert.deepStrictEqual([...listed].sort(compareKeys), [...keys].sort(compareKeys))
        for (const key of listed) {
          const body = yield* engine.get(key)
          assert.strictEqual((yield* readAll(body.stream)).toString(), `content of ${JSON.stringify(key)}`)
        }
        // A batch delete is XML too: these go one by one, and none is left behind.
        yield* engine.delete([...listed, "control/plain.jpg"])
        assert.deepStrictEqual([...(yield* Stream.runCollect(engine.list("control")))], [])
      }))

    it.effect("reports missing keys as ObjectNotFound, and deleting one is not an error", () =>
      Effect.gen(function*() {
        const engine = yield* StorageEngine
        assert.strictEqual(failureTag(yield* Effect.exit(engine.get("missing/nothing.jpg"))), "ObjectNotFound")
        assert.strictEqual(failureTag(yield* Effect.exit(engine.stat("missing/nothing.jpg"))), "ObjectNotFound")
        assert.strictEqual(
          failureTag(yield* Effect.exit(engine.copy("missing/nothing.jpg", "missing/to.jpg"))),
          "ObjectNotFound"
        )
        yield* engine.delete(["missing/nothing.jpg", "missing/deeper/also-nothing.jpg"])
        assert.strictEqual((yield* Stream.runCollect(engine.list("missing"))).length, 0)
      }))

    it.effect("refuses keys that could leave the location, before touching anything", () =>
      Effect.gen(function*() {
        const engine = yield* StorageEngine
        yield* engine.put("keep/me.txt", Buffer.from("safe"))
        for (
          const bad of [
            "../escape.txt",
            "keep/../../escape.txt",
            "/etc/passwd",
            "a\0b",
            "a//b",
            "trailing/",
            "./dot",
            ""
          ]
        ) {
          assert.strictEqual(
            failureTag(yield* Effect.exit(engine.put(bad, Buffer.from("x")))),
            "InvalidKey",
            `put ${JSON.stringify(bad)}`
          )
          assert.strictEqual(
            failureTag(yield* Effect.exit(engine.get(bad))),
            "InvalidKey",
            `get ${JSON.stringify(bad)}`
          )
        }
        // One bad key in a batch: nothing of the batch is deleted.
        assert.strictEqual(
          failureTag(yield* Effect.exit(engine.delete(["keep/me.txt", "../escape.txt"]))),
          "InvalidKey"
        )
        assert.strictEqual((yield* engine.stat("keep/me.txt")).size, 4)
        assert.strictEqual(failureTag(yield* Effect.exit(Stream.runCollect(engine.list("../")))), "InvalidKey")
      }))

    it.effect("leaves nothing behind when the body fails mid-upload", () =>
      Effect.gen(function*() {
        const engine = yield* StorageEngine
        const failing = Stream.concat(chunked(randomData(20 * MiB)), Stream.fail("client went away" as const))
        const exit = yield* Effect.exit(engine.put("interrupted/failed.bin", failing))
        assert.isTrue(Exit.isFailure(exit))
        assert.strictEqual(failureTag(yield* Effect.exit(engine.stat("interrupted/failed.bin"))), "ObjectNotFound")
        assert.deepStrictEqual(yield* Stream.runCollect(engine.list("interrupted")), [])
      }))

    it.effect("leaves nothing behind when the upload is interrupted", () =>
      Effect.gen(function*() {
        const engine = yield* StorageEngine
        let sent = 0
        const midway = yield* Deferred.make<void>()
        const endless = Stream.fromEffectRepeat(Effect.gen(function*() {
          if (++sent === 24) yield* Deferred.succeed(midway, undefined)
          return new Uint8Array(MiB)
        }))
        const fiber = yield* Effect.forkChild(engine.put("interrupted/endless.bin", endless))
        yield* Deferred.await(midway)
        yield* Fiber.interrupt(fiber)
        assert.strictEqual(failureTag(yield* Effect.exit(engine.stat("interrupted/endless.bin"))), "ObjectNotFound")
        assert.deepStrictEqual(yield* Stream.runCollect(engine.list("interrupted")), [])
      }))
  })
