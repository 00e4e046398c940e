import { assert, describe, it } from "@effect/vitest"
import { localLocation, makeLocalEngine, syncEngines, verifyEngines } from "@immich-storage/core"
import type { Difference, StorageEngineShape } from "@immich-storage/core"
import { startS3Proxy } from "@immich-storage/testkit"
import type { S3Proxy, S3ProxyOptions } from "@immich-storage/testkit"
import * as Effect from "effect/Effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { inject } from "vitest"
import { makeTestS3Engine, MiB, randomData, tempDirScoped } from "../engine/helpers.ts"

// `--checksum` at scale: the listings' ETags decide when they are MD5s, with no HEAD per file; a HEAD (and a
// read where needed) only for a file whose listed ETag does not match.

const proxyScoped = (options: S3ProxyOptions = {}) =>
  Effect.acquireRelease(
    Effect.promise(() => startS3Proxy(inject("s3Endpoint"), options)),
    (proxy) => Effect.promise(() => proxy.stop())
  )
const local = Effect.flatMap(
  tempDirScoped,
  (dir) =>
    Effect.map(makeLocalEngine(localLocation(`${dir.path}/media`)), (engine) => ({ engine, root: `${dir.path}/media` }))
)

const heads = (proxy: S3Proxy) => proxy.requests.filter((r) => r.method === "HEAD").length
const bodyReads = (proxy: S3Proxy) =>
  proxy.requests.filter((r) => r.method === "GET" && !r.url.includes("list-type")).length
const forget = (proxy: S3Proxy) => void proxy.requests.splice(0)

const syncOptions = { delete: false, checksum: true, concurrency: 4, excludes: [] as Array<string>, dryRun: false }
const verifyOptions = { checksum: true, concurrency: 4 }

/** 24 small files, and one of 3 MiB (single-part on S3; read in pieces when hashed). */
const seed = (engine: StorageEngineShape) =>
  Effect.gen(function*() {
    const keys = Array.from({ length: 24 }, (_, i) => `upload/u/${String(i).padStart(2, "0")}/${i}.jpg`)
    yield* Effect.forEach(keys, (key) => engine.put(key, randomData(1000 + keys.indexOf(key))), {
      concurrency: 8,
      discard: true
    })
    yield* engine.put("encoded-video/u/v.mp4", randomData(3 * MiB))
    return keys.length + 1
  })

/** Rewrites a local file with other bytes of the same size, and an old time: size and time say "unchanged". */
const sameSizeEdit = (root: string, key: string) =>
  Effect.promise(async () => {
    const file = path.join(root, key)
    const bytes = await fs.readFile(file)
    bytes[0] = bytes[0]! ^ 0xff
    await fs.writeFile(file, bytes)
    await fs.utimes(file, new Date(0), new Date(0))
  })

const collectDifferences = (source: StorageEngineShape, destination: StorageEngineShape) =>
  Effect.gen(function*() {
    const found: Array<Difference> = []
    const onDifference = (d: Difference) => Effect.sync(() => void found.push(d))
    const counts = yield* verifyEngines(source, destination, { ...verifyOptions, onDifference })
    return { found, ...counts }
  })

describe("--checksum by the listings' ETags", () => {
  it.effect(
    "sync and verify, local ↔ S3 and S3 → S3, send no HEAD and read no S3 body when the ETags are MD5s",
    () =>
      Effect.gen(function*() {
        const proxy = yield* proxyScoped()
        const { engine: disk } = yield* local
        const a = yield* makeTestS3Engine({ endpoint: proxy.endpoint })
        const b = yield* makeTestS3Engine({ endpoint: proxy.endpoint, bucket: a.bucket, settings: { prefix: "copy" } })
        const count = yield* seed(disk)
        yield* syncEngines(disk, a.engine, syncOptions)
        yield* syncEngines(a.engine, b.engine, syncOptions)
        // Copied back from S3, so the local files keep S3's times (and "newer" does not decide first).
        const { engine: back } = yield* local
        yield* syncEngines(a.engine, back, syncOptions)
        forget(proxy)
        const again = yield* syncEngines(disk, a.engine, syncOptions)
        assert.deepStrictEqual([again.result?.copied, again.result?.unchanged], [0, count])
        for (const [source, destination] of [[disk, a.engine], [a.engine, back], [a.engine, b.engine]] as const) {
          const verified = yield* collectDifferences(source, destination)
          assert.deepStrictEqual([verified.found, verified.same], [[], count])
        }
        assert.strictEqual((yield* syncEngines(a.engine, b.engine, syncOptions)).result?.copied, 0)
        assert.deepStrictEqual([heads(proxy), bodyReads(proxy)], [0, 0], "only listings were sent")
      }),
    { timeout: 60_000 }
  )

  it.effect(
    "finds a same-size file changed on the local side, with one HEAD for it alone, and sync copies it",
    () =>
      Effect.gen(function*() {
        const proxy = yield* proxyScoped()
        const { engine: disk, root } = yield* local
        const { engine: s3 } = yield* makeTestS3Engine({ endpoint: proxy.endpoint })
        const count = yield* seed(disk)
        yield* syncEngines(disk, s3, syncOptions)
        yield* sameSizeEdit(root, "upload/u/07/7.jpg")
        yield* sameSizeEdit(root, "encoded-video/u/v.mp4")
        forget(proxy)
        const verified = yield* collectDifferences(disk, s3)
        assert.deepStrictEqual(verified.found, [
          { _tag: "Different", key: "encoded-video/u/v.mp4", why: "content" },
          { _tag: "Different", key: "upload/u/07/7.jpg", why: "content" }
        ])
        assert.strictEqual(verified.same, count - 2)
        assert.deepStrictEqual([heads(proxy), bodyReads(proxy)], [2, 0], "a HEAD for each mismatch, no body read")
        const synced = yield* syncEngines(disk, s3, syncOptions)
        assert.strictEqual(synced.result?.copied, 2)
        assert.deepStrictEqual((yield* collectDifferences(disk, s3)).found, [])
      }),
    { timeout: 60_000 }
  )

  it.effect(
    "a bucket whose ETags are not MD5s (SSE-KMS by default, made by the proxy): a HEAD per file, never a false difference",
    () =>
      Effect.gen(function*() {
        const kms = yield* proxyScoped({ quirks: { kmsByBucketDefault: true } })
        const { engine: disk, root } = yield* local
        const { engine: s3 } = yield* makeTestS3Engine({ endpoint: kms.endpoint })
        const count = yield* seed(disk)
        yield* syncEngines(disk, s3, syncOptions)
        forget(kms)
        const verified = yield* collectDifferences(disk, s3)
        assert.deepStrictEqual([verified.found, verified.same], [[], count])
        assert.strictEqual(heads(kms), count, "every listed ETag failed to match, so each file was asked again")
        yield* sameSizeEdit(root, "upload/u/03/3.jpg")
        const after = yield* collectDifferences(disk, s3)
        assert.deepStrictEqual(after.found, [{ _tag: "Different", key: "upload/u/03/3.jpg", why: "content" }])
        // S3 → S3 with one side's ETags not MD5s: the listed ETags differ, the HEADs and reads decide.
        const plain = yield* makeTestS3Engine({ settings: { prefix: "plain" } })
        yield* syncEngines(s3, plain.engine, syncOptions)
        assert.deepStrictEqual((yield* collectDifferences(s3, plain.engine)).found, [])
      }),
    { timeout: 60_000 }
  )

  it.effect(
    "multipart objects and S3_ETAG_IS_MD5=false go the exact way: HEAD, then a read, judged the same",
    () =>
      Effect.gen(function*() {
        const proxy = yield* proxyScoped()
        const { engine: disk } = yield* local
        const multipart = yield* makeTestS3Engine({ endpoint: proxy.endpoint, engine: { partSize: 5 * MiB } })
        const video = randomData(11 * MiB)
        yield* disk.put("encoded-video/v.mp4", video)
        yield* disk.put("upload/a.jpg", randomData(500))
        yield* syncEngines(disk, multipart.engine, syncOptions)
        const untrusted = yield* makeTestS3Engine({
          endpoint: proxy.endpoint,
          bucket: multipart.bucket,
          settings: { etagIsMd5: false }
        })
        forget(proxy)
        const verified = yield* collectDifferences(disk, untrusted.engine)
        assert.deepStrictEqual([verified.found, verified.same], [[], 2])
        assert.strictEqual(heads(proxy), 2, "no listed ETag is trusted")
        forget(proxy)
        assert.deepStrictEqual((yield* collectDifferences(disk, multipart.engine)).found, [])
        assert.strictEqual(heads(proxy), 1, "only the multipart object, whose ETag is no MD5")
      }),
    { timeout: 60_000 }
  )
})
