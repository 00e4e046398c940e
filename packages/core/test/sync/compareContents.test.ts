import { assert, describe, it } from "@effect/vitest"
import {
  compareContents,
  comparisonFor,
  DIGEST_KINDS,
  listedCheck,
  localLocation,
  makeLocalEngine
} from "@immich-storage/core"
import type { ObjectDigests, StorageEngineShape } from "@immich-storage/core"
import { startS3Proxy } from "@immich-storage/testkit"
import type { S3Proxy } from "@immich-storage/testkit"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import fc from "fast-check"
import { inject } from "vitest"
import { makeTestS3Engine, MiB, randomData, tempDirScoped } from "../engine/helpers.ts"

const proxyScoped = Effect.acquireRelease(
  Effect.promise(() => startS3Proxy(inject("s3Endpoint"))),
  (proxy) => Effect.promise(() => proxy.stop())
)
const local = Effect.flatMap(tempDirScoped, (dir) => makeLocalEngine(localLocation(`${dir.path}/media`)))
const listed = (engine: StorageEngineShape) => Stream.runCollect(engine.list(""))
const bodyReads = (proxy: S3Proxy) =>
  proxy.requests.filter((r) => r.method === "GET" && !r.url.includes("list-type")).map((r) => r.url)

describe("comparisonFor", () => {
  const digests = fc.record({ md5: fc.boolean(), crc32: fc.option(fc.nat(), { nil: undefined }) })
    .map((d): ObjectDigests => ({
      ...(d.md5 ? { md5: "d41d8cd98f00b204e9800998ecf8427e" } : {}),
      ...(d.crc32 === undefined ? {} : { crc32: d.crc32 })
    }))
  const side = fc.option(digests, { nil: undefined })

  it("reads a side only when it does not know the chosen digest, and reads no side when both know one", () => {
    fc.assert(fc.property(side, side, (source, destination) => {
      const { kind, readDestination, readSource } = comparisonFor(source, destination)
      assert.strictEqual(readSource, source?.[kind] === undefined)
      assert.strictEqual(readDestination, destination?.[kind] === undefined)
      const common = DIGEST_KINDS.some((k) => source?.[k] !== undefined && destination?.[k] !== undefined)
      assert.strictEqual(!readSource && !readDestination, common)
      // A side is read only when it knows nothing that the other side knows too.
      if (readSource && readDestination) {
        assert.isTrue(DIGEST_KINDS.every((k) => source?.[k] === undefined || destination?.[k] === undefined))
      }
    }))
  })
})

describe("listedCheck", () => {
  const md5 = fc.option(fc.constantFrom("a".repeat(32), "b".repeat(32)), { nil: undefined })
  const side = fc.record({ md5, local: fc.boolean() })

  it("takes only equal claimed MD5s for proof, checks a claim against a local side by reading it, else goes exact", () => {
    fc.assert(fc.property(side, side, (source, destination) => {
      const check = listedCheck(source, destination)
      const equalClaims = source.md5 !== undefined && source.md5 === destination.md5
      assert.strictEqual(check._tag === "Same", equalClaims, "the same MD5 on both sides, and only then")
      if (check._tag === "HashLocal") {
        const [read, other] = check.side === "source" ? [source, destination] : [destination, source]
        assert.isTrue(read.local, "only local disk is read for it")
        assert.strictEqual(check.md5, other.md5)
      }
      const usable = (a: typeof source, b: typeof source) => a.md5 !== undefined && b.local
      if (!equalClaims) {
        assert.strictEqual(check._tag === "Exact", !usable(source, destination) && !usable(destination, source))
      }
    }))
  })
})

describe("compareContents (--checksum) with S3", () => {
  it.effect("compares local files with single-part S3 objects by the ETag's MD5, without reading the S3 bodies", () =>
    Effect.gen(function*() {
      const proxy = yield* proxyScoped
      const { engine: s3 } = yield* makeTestS3Engine({ endpoint: proxy.endpoint })
      const disk = yield* local
      const same = randomData(100_000)
      yield* Effect.forEach([disk, s3], (engine) => engine.put("upload/same.jpg", same), { discard: true })
      yield* disk.put("upload/changed.jpg", Buffer.from("AAAA"))
      yield* s3.put("upload/changed.jpg", Buffer.from("BBBB"))
      const { differing, failures } = yield* compareContents(disk, s3, yield* listed(disk), 4)
      assert.deepStrictEqual(failures, [])
      assert.deepStrictEqual(differing.map((f) => f.key), ["upload/changed.jpg"])
      assert.deepStrictEqual(bodyReads(proxy), [], "no S3 body was read")
      assert.strictEqual(proxy.requests.filter((r) => r.method === "HEAD").length, 2)
    }))

  it.effect("compares two S3 locations by their ETags alone, reading no body on either side", () =>
    Effect.gen(function*() {
      const proxy = yield* proxyScoped
      const a = yield* makeTestS3Engine({ endpoint: proxy.endpoint })
      const b = yield* makeTestS3Engine({ endpoint: proxy.endpoint, bucket: a.bucket, settings: { prefix: "other" } })
      yield* a.engine.put("thumbs/t.webp", Buffer.from("same"))
      yield* b.engine.put("thumbs/t.webp", Buffer.from("same"))
      yield* a.engine.put("thumbs/u.webp", Buffer.from("1111"))
      yield* b.engine.put("thumbs/u.webp", Buffer.from("2222"))
      const { differing } = yield* compareContents(a.engine, b.engine, yield* listed(a.engine), 4)
      assert.deepStrictEqual(differing.map((f) => f.key), ["thumbs/u.webp"])
      assert.deepStrictEqual(bodyReads(proxy), [])
    }))

  it.effect("reads multipart objects (their ETag is no MD5), and does not find the same content different", () =>
    Effect.gen(function*() {
      const proxy = yield* proxyScoped
      const { engine: s3 } = yield* makeTestS3Engine({ endpoint: proxy.endpoint, engine: { partSize: 5 * MiB } })
      const disk = yield* local
      const video = randomData(11 * MiB)
      yield* disk.put("encoded-video/v.mp4", video)
      yield* s3.put("encoded-video/v.mp4", video)
      const { differing, failures } = yield* compareContents(disk, s3, yield* listed(disk), 4)
      assert.deepStrictEqual([differing, failures], [[], []])
      assert.strictEqual(bodyReads(proxy).filter((url) => url.includes("v.mp4")).length, 1)
    }))
})
