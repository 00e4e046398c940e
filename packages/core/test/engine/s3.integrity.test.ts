import { assert, describe, it } from "@effect/vitest"
import type { StorageEngineShape, StorageError } from "@immich-storage/core"
import { RGW_QUIRKS, startS3Proxy } from "@immich-storage/testkit"
import type { RecordedRequest, S3ProxyOptions } from "@immich-storage/testkit"
import * as Effect from "effect/Effect"
import { createHash } from "node:crypto"
import { inject } from "vitest"
import { failureOf } from "../failures.ts"
import { makeTestS3Engine, MiB, randomData, readAll, sha256 } from "./helpers.ts"

/*
 * Ceph RGW stores no checksums and sends 416 answers without their size. A real RGW needs a Ceph cluster
 * (mon, mgr, osd), which these machines cannot run, so the test proxy answers as RGW does (`RGW_QUIRKS`).
 */
const proxyScoped = (options: S3ProxyOptions = {}) =>
  Effect.acquireRelease(
    Effect.promise(() => startS3Proxy(inject("s3Endpoint"), options)),
    (proxy) => Effect.promise(() => proxy.stop())
  )

const readWhole = (engine: StorageEngineShape, key: string) =>
  engine.get(key).pipe(Effect.flatMap((body) => readAll(body.stream)))
const md5 = (data: Uint8Array) => createHash("md5").update(data).digest("hex")

describe("S3 engine on servers that store no CRC32", () => {
  it.effect.each([
    { label: "checksums off (S3_REQUEST_CHECKSUMS=when_required)", options: {}, settings: {} },
    {
      label: "checksums on, but a server that keeps none (RGW)",
      options: { quirks: RGW_QUIRKS },
      settings: { requestChecksums: "when_supported" as const }
    }
  ])(
    "checks whole reads of single-part objects against the ETag's MD5: $label",
    ({ options, settings }) =>
      Effect.gen(function*() {
        const proxy = yield* proxyScoped(options)
        const { engine } = yield* makeTestS3Engine({ endpoint: proxy.endpoint, settings })
        const data = randomData(200_000)
        yield* engine.put("upload/u/ab/cd/photo.jpg", data)
        const body = yield* engine.get("upload/u/ab/cd/photo.jpg")
        assert.deepStrictEqual(body.info.digests, { md5: md5(data) })
        assert.strictEqual(sha256(yield* readAll(body.stream)), sha256(data))
        // A bit flipped on the way cannot be made to happen on demand: the proxy flips the first byte.
        const key = "upload/u/ab/cd/photo.jpg"
        const reads: ReadonlyArray<Effect.Effect<unknown, StorageError>> = [
          readWhole(engine, key),
          engine.readSmall(key, MiB)
        ]
        for (const read of reads) {
          proxy.injectFaults(["corrupt"], (r) => r.method === "GET" && r.url.includes("photo.jpg"))
          const error = failureOf(yield* Effect.exit(read))
          assert.strictEqual(error?._tag, "IntegrityMismatch")
          assert.match(error?.message ?? "", /do not match the object's MD5/)
        }
      })
  )

  it.effect("takes no ETag for an MD5 with S3_ETAG_IS_MD5=false (a server whose ETags are not MD5s)", () =>
    Effect.gen(function*() {
      const proxy = yield* proxyScoped()
      const { engine } = yield* makeTestS3Engine({ endpoint: proxy.endpoint, settings: { etagIsMd5: false } })
      yield* engine.put("upload/p.jpg", Buffer.from("photo"))
      assert.deepStrictEqual((yield* engine.stat("upload/p.jpg")).digests, {})
      proxy.injectFaults(["corrupt"], (r) => r.method === "GET" && r.url.includes("p.jpg"))
      // Unchecked, as configured: the flipped byte goes through (which is why the default checks).
      assert.notStrictEqual((yield* readWhole(engine, "upload/p.jpg")).toString(), "photo")
    }))

  it.effect("never checks multipart objects against their ETag (it is no MD5), so their reads are not failed", () =>
    Effect.gen(function*() {
      const proxy = yield* proxyScoped({ quirks: RGW_QUIRKS })
      const { engine } = yield* makeTestS3Engine({ endpoint: proxy.endpoint, engine: { partSize: 5 * MiB } })
      const data = randomData(11 * MiB)
      const put = yield* engine.put("encoded-video/v.mp4", data)
      assert.match(put.etag ?? "", /-3"$/)
      const body = yield* engine.get("encoded-video/v.mp4")
      assert.deepStrictEqual(body.info.digests, {})
      assert.strictEqual(sha256(yield* readAll(body.stream)), sha256(data))
      assert.deepStrictEqual((yield* engine.stat("encoded-video/v.mp4")).digests, {})
    }))

  it.effect("never checks SSE-KMS objects against their ETag (it is no MD5 there)", () =>
    Effect.gen(function*() {
      const proxy = yield* proxyScoped()
      // The test server has no KMS: it stores the object unencrypted, and its ETag is the MD5 all the same.
      const sse = { algorithm: "aws:kms", kmsKeyId: "key/1" } as const
      const { engine } = yield* makeTestS3Engine({ endpoint: proxy.endpoint, settings: { sse } })
      yield* engine.put("thumbs/t.webp", Buffer.from("thumb"))
      const body = yield* engine.get("thumbs/t.webp")
      assert.deepStrictEqual(body.info.digests, {})
      assert.strictEqual((yield* readAll(body.stream)).toString(), "thumb")
    }))

  it.effect("answers a 416 without Content-Range (RGW) with the size from a HEAD, and long suffixes whole", () =>
    Effect.gen(function*() {
      const proxy = yield* proxyScoped({ quirks: RGW_QUIRKS })
      const { engine } = yield* makeTestS3Engine({ endpoint: proxy.endpoint })
      yield* engine.put("ranges/r.txt", Buffer.from("0123456789"))
      const error = failureOf(yield* Effect.exit(engine.get("ranges/r.txt", { start: 10 })))
      assert.strictEqual(error?._tag, "RangeNotSatisfiable")
      assert.strictEqual(error?._tag === "RangeNotSatisfiable" ? error.size : undefined, 10)
      assert.include(error?.message ?? "", "(10 bytes)")
      const whole = yield* engine.get("ranges/r.txt", { suffixLength: 50 })
      assert.deepStrictEqual(whole.range, { start: 0, end: 9 })
      assert.strictEqual((yield* readAll(whole.stream)).toString(), "0123456789")
    }))
})

describe("S3 engine errors", () => {
  it.effect("names S3_SSE_KMS_KEY_ID when an SSE-KMS write gets InvalidAccessKeyId (RGW's missing-key answer)", () =>
    Effect.gen(function*() {
      const proxy = yield* proxyScoped()
      const sse = { algorithm: "aws:kms", kmsKeyId: "missing-key" } as const
      const { engine } = yield* makeTestS3Engine({ endpoint: proxy.endpoint, settings: { sse } })
      // The test server has no KMS: the proxy answers an SSE-KMS write as Ceph RGW does when the key is missing.
      const kmsWrite = (r: RecordedRequest) => r.headers["x-amz-server-side-encryption"] === "aws:kms"
      proxy.injectFaults([{ status: 403, code: "InvalidAccessKeyId" }], kmsWrite)
      const error = failureOf(yield* Effect.exit(engine.put("upload/secret.jpg", Buffer.from("x"))))
      assert.strictEqual(error?._tag, "AccessDenied")
      assert.include(error?.message ?? "", "S3_ACCESS_KEY_ID")
      assert.include(error?.message ?? "", "S3_SSE_KMS_KEY_ID")
    }))

  it.effect("does not name S3_SSE_KMS_KEY_ID when SSE-KMS is off", () =>
    Effect.gen(function*() {
      const proxy = yield* proxyScoped()
      const { engine } = yield* makeTestS3Engine({ endpoint: proxy.endpoint })
      proxy.injectFaults([{ status: 403, code: "InvalidAccessKeyId" }], (r) => r.method === "PUT")
      const error = failureOf(yield* Effect.exit(engine.put("upload/plain.jpg", Buffer.from("x"))))
      assert.strictEqual(error?._tag, "AccessDenied")
      assert.notInclude(error?.message ?? "", "S3_SSE_KMS_KEY_ID")
    }))
})
