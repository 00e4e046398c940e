import { ListObjectsV2Command, PutObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3"
import { assert, describe, it } from "@effect/vitest"
import { StorageConfig, StorageEngine } from "@immich-storage/core"
import { createTestBucket, rawS3Client, startS3Proxy, uniqueName } from "@immich-storage/testkit"
import type { S3Proxy } from "@immich-storage/testkit"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { inject } from "vitest"
import { failureOf } from "../failures.ts"
import { chunked, hashStream, makeTestS3Engine, MiB, randomData, readAll, sha256 } from "./helpers.ts"

const proxyScoped = Effect.acquireRelease(
  Effect.promise(() => startS3Proxy(inject("s3Endpoint"))),
  (proxy) => Effect.promise(() => proxy.stop())
)

const requestsFor = (proxy: S3Proxy, method: string, test: (url: string) => boolean) =>
  proxy.requests.filter((r) => r.method === method && test(r.url))

describe("S3 engine", () => {
  it.effect("sends SSE-S3 on single puts, multipart uploads and copies", () =>
    Effect.gen(function*() {
      const proxy = yield* proxyScoped
      const { engine } = yield* makeTestS3Engine({
        endpoint: proxy.endpoint,
        settings: { sse: { algorithm: "AES256" } }
      })
      yield* engine.put("upload/u/ab/cd/small.jpg", Buffer.from("small"))
      yield* engine.put("upload/u/ab/cd/large.mp4", chunked(randomData(20 * MiB)))
      yield* engine.copy("upload/u/ab/cd/small.jpg", "upload/u/ab/cd/copy.jpg")
      const writes = proxy.requests.filter((r) =>
        (r.method === "PUT" && !r.url.includes("partNumber=")) || (r.method === "POST" && r.url.includes("uploads"))
      )
      assert.strictEqual(writes.length, 3, "one PutObject, one CreateMultipartUpload, one CopyObject")
      for (const write of writes) assert.strictEqual(write.headers["x-amz-server-side-encryption"], "AES256", write.url)
    }))

  it.effect("sends SSE-KMS with its key id", () =>
    Effect.gen(function*() {
      const proxy = yield* proxyScoped
      const kmsKeyId = "arn:aws:kms:us-east-1:111122223333:key/test-key"
      const { engine } = yield* makeTestS3Engine({
        endpoint: proxy.endpoint,
        settings: { sse: { algorithm: "aws:kms", kmsKeyId } }
      })
      yield* engine.put("thumbs/u/ab/cd/t.webp", Buffer.from("thumb"))
      const put = requestsFor(proxy, "PUT", (url) => url.includes("t.webp"))[0]
      assert.strictEqual(put?.headers["x-amz-server-side-encryption"], "aws:kms")
      assert.strictEqual(put?.headers["x-amz-server-side-encryption-aws-kms-key-id"], kmsKeyId)
    }))

  it.effect("checks whole-object reads against the stored CRC32 (with checksums on) and fails on a flipped byte", () =>
    Effect.gen(function*() {
      const proxy = yield* proxyScoped
      const { engine } = yield* makeTestS3Engine({
        endpoint: proxy.endpoint,
        settings: { requestChecksums: "when_supported" }
      })
      const data = randomData(200_000)
      yield* engine.put("upload/u/ab/cd/photo.jpg", data)
      assert.strictEqual(sha256(yield* readAll((yield* engine.get("upload/u/ab/cd/photo.jpg")).stream)), sha256(data))
      const get = requestsFor(proxy, "GET", (url) => url.includes("photo.jpg"))[0]
      assert.strictEqual(get?.headers["x-amz-checksum-mode"], "ENABLED")
      // A bit flipped on the way cannot be made to happen on demand: the proxy flips the first byte.
      proxy.injectFaults(["corrupt"], (r) => r.method === "GET" && r.url.includes("photo.jpg"))
      const exit = yield* Effect.exit(
        engine.get("upload/u/ab/cd/photo.jpg").pipe(Effect.flatMap((body) => readAll(body.stream)))
      )
      const error = failureOf(exit)
      assert.strictEqual(error?._tag, "IntegrityMismatch")
      assert.match(error?.message ?? "", /CRC32/)
    }))

  it.live("retries transient faults (503 SlowDown, 500, connection reset) and then succeeds", () =>
    Effect.gen(function*() {
      const proxy = yield* proxyScoped
      const { engine } = yield* makeTestS3Engine({ endpoint: proxy.endpoint })
      proxy.injectFaults(
        [{ status: 503, code: "SlowDown" }, { status: 500, code: "InternalError" }, "reset"],
        (r) => r.method === "PUT"
      )
      yield* engine.put("upload/retry.jpg", Buffer.from("eventually"))
      assert.strictEqual(requestsFor(proxy, "PUT", (url) => url.includes("retry.jpg")).length, 4)
      const body = yield* engine.get("upload/retry.jpg")
      assert.strictEqual((yield* readAll(body.stream)).toString(), "eventually")
    }))

  it.live("gives up after the policy's retries with StorageUnavailable", () =>
    Effect.gen(function*() {
      const proxy = yield* proxyScoped
      const { engine } = yield* makeTestS3Engine({ endpoint: proxy.endpoint })
      proxy.injectFaults(
        Array.from({ length: 10 }, () => ({ status: 503, code: "SlowDown" })),
        (r) => r.method === "GET"
      )
      const error = failureOf(yield* Effect.exit(engine.get("upload/any.jpg")))
      assert.strictEqual(error?._tag, "StorageUnavailable")
      assert.include(error?.message ?? "", "SlowDown")
      assert.strictEqual(requestsFor(proxy, "GET", (url) => url.includes("any.jpg")).length, 4, "1 try + 3 retries")
    }))

  it.effect("fails fast on AccessDenied, with a message saying what to check", () =>
    Effect.gen(function*() {
      const proxy = yield* proxyScoped
      const { engine } = yield* makeTestS3Engine({ endpoint: proxy.endpoint })
      proxy.injectFaults([{ status: 403, code: "AccessDenied" }], (r) => r.method === "PUT")
      const error = failureOf(yield* Effect.exit(engine.put("upload/denied.jpg", Buffer.from("x"))))
      assert.strictEqual(error?._tag, "AccessDenied")
      assert.include(error?.message ?? "", "S3_ACCESS_KEY_ID")
      assert.strictEqual(requestsFor(proxy, "PUT", (url) => url.includes("denied.jpg")).length, 1)
    }))

  it.effect("aborts the multipart upload of a failed body, so the server drops its parts", () =>
    Effect.gen(function*() {
      const proxy = yield* proxyScoped
      const { bucket, engine } = yield* makeTestS3Engine({ endpoint: proxy.endpoint })
      const failing = Stream.concat(chunked(randomData(20 * MiB)), Stream.fail("disconnected" as const))
      assert.isTrue(Exit.isFailure(yield* Effect.exit(engine.put("encoded-video/v.mp4", failing))))
      const aborts = requestsFor(proxy, "DELETE", (url) => url.includes("uploadId="))
      assert.strictEqual(aborts.length, 1)
      const uploadId = new URL(aborts[0]!.url, "http://x").searchParams.get("uploadId")!
      // The upload is gone on the server: another part for it is refused.
      const client = rawS3Client(inject("s3Endpoint"))
      const late = yield* Effect.exit(
        Effect.tryPromise(() =>
          client.send(
            new UploadPartCommand({
              Bucket: bucket,
              Key: "library-root/encoded-video/v.mp4",
              UploadId: uploadId,
              PartNumber: 9,
              Body: "late"
            })
          )
        )
      )
      client.destroy()
      assert.isTrue(Exit.isFailure(late))
    }))

  it.effect("round-trips with the SDK's default CRC32 request checksums (when_supported)", () =>
    Effect.gen(function*() {
      const { engine } = yield* makeTestS3Engine({ settings: { requestChecksums: "when_supported" } })
      const data = randomData(20 * MiB + 3)
      yield* engine.put("upload/crc.bin", chunked(data))
      yield* engine.put("upload/crc-small.bin", Buffer.from("small"))
      const body = yield* engine.get("upload/crc.bin")
      assert.strictEqual((yield* hashStream(body.stream)).sha, sha256(data))
    }))

  it.effect("copies objects larger than the single-copy limit in parts", () =>
    Effect.gen(function*() {
      const { engine } = yield* makeTestS3Engine({ engine: { maxSingleCopy: MiB, copyPartSize: 5 * MiB } })
      const data = randomData(12 * MiB + 7)
      yield* engine.put("upload/big.mov", data)
      yield* engine.copy("upload/big.mov", "upload/big-copy.mov")
      const body = yield* engine.get("upload/big-copy.mov")
      assert.strictEqual((yield* hashStream(body.stream)).sha, sha256(data))
    }))

  it.effect("keeps to its prefix: objects are <prefix>/<key>, and another prefix is invisible", () =>
    Effect.gen(function*() {
      const endpoint = inject("s3Endpoint")
      const bucket = yield* Effect.promise(() => createTestBucket(endpoint))
      const a = yield* makeTestS3Engine({ bucket, settings: { prefix: "immich" } })
      const b = yield* makeTestS3Engine({ bucket, settings: { prefix: "immich2" } })
      yield* a.engine.put("upload/a.jpg", Buffer.from("a"))
      yield* b.engine.put("upload/b.jpg", Buffer.from("b"))
      const client = rawS3Client(endpoint)
      // A folder placeholder (as S3 consoles create) and a key we could not address are skipped by list.
      yield* Effect.promise(() =>
        client.send(new PutObjectCommand({ Bucket: bucket, Key: "immich/upload/folder/", Body: "" }))
      )
      const raw = yield* Effect.promise(() => client.send(new ListObjectsV2Command({ Bucket: bucket })))
      client.destroy()
      assert.deepStrictEqual(raw.Contents?.map((o) => o.Key).sort(), [
        "immich/upload/a.jpg",
        "immich/upload/folder/",
        "immich2/upload/b.jpg"
      ])
      assert.deepStrictEqual((yield* Stream.runCollect(a.engine.list(""))).map((i) => i.key), ["upload/a.jpg"])
      assert.deepStrictEqual((yield* Stream.runCollect(b.engine.list("upload"))).map((i) => i.key), ["upload/b.jpg"])
    }))

  it.effect("refuses to start on a bucket that does not exist, naming the variable to fix", () =>
    Effect.gen(function*() {
      const env = {
        IMMICH_STORAGE_ENGINE: "s3",
        S3_BUCKET: uniqueName("missing"),
        S3_ENDPOINT: inject("s3Endpoint"),
        S3_FORCE_PATH_STYLE: "true",
        S3_ACCESS_KEY_ID: "test",
        S3_SECRET_ACCESS_KEY: "test"
      }
      const exit = yield* Effect.exit(
        Effect.scoped(Layer.build(StorageEngine.layer.pipe(Layer.provide(StorageConfig.layer)))).pipe(
          Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))
        )
      )
      const error = failureOf(exit)
      assert.strictEqual(error?._tag, "BucketNotFound")
      assert.include(error?.message ?? "", "S3_BUCKET")
    }))
})
