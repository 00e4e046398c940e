import { assert, describe, it } from "@effect/vitest"
import { Presigner, s3Location, StorageConfig, StorageEngine } from "@immich-storage/core"
import { makeS3Engine } from "@immich-storage/core/s3"
import { createTestBucket, startS3Proxy } from "@immich-storage/testkit"
import type { RecordedRequest } from "@immich-storage/testkit"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { inject } from "vitest"
import { S3Failure } from "../../src/engine/s3/s3Failure.ts"
import { failureOf } from "../failures.ts"
import { chunked, makeTestS3Engine, MiB, randomData, tempDirScoped, testS3Settings } from "./helpers.ts"

const proxyScoped = Effect.acquireRelease(
  Effect.promise(() => startS3Proxy(inject("s3Endpoint"))),
  (proxy) => Effect.promise(() => proxy.stop())
)

const query = (request: RecordedRequest) => new URL(request.url, "http://x").searchParams

/** Runs `effect` with its log messages collected in `logs`. */
const capturingLogs = <A, E, R>(effect: Effect.Effect<A, E, R>, logs: Array<string>) =>
  effect.pipe(Effect.provide(Logger.layer([
    Logger.make(({ message }) => void logs.push(String(Array.isArray(message) ? message.join(" ") : message)))
  ])))

/**
 * A server that starts multipart uploads without an UploadId: no real server answers so, so this one is
 * made for it. It knows one object of 10 MiB (for a copy's HEAD) and refuses everything else.
 */
const noUploadIdServer = Effect.acquireRelease(
  Effect.promise(async () => {
    const server = http.createServer((req, res) => {
      req.resume()
      req.on("end", () => {
        if (req.method === "HEAD")
          return void res.writeHead(200, { "content-length": String(10 * MiB), etag: "\"e\"" }).end()
        if (req.method === "POST" && (req.url ?? "").includes("uploads")) {
          res.writeHead(200, { "content-type": "application/xml" })
          return void res.end(
            "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key></InitiateMultipartUploadResult>"
          )
        }
        res.writeHead(400, { "content-type": "application/xml" }).end("<Error><Code>InvalidRequest</Code></Error>")
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
  }),
  ({ server }) => Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve())))
)

describe("S3 failures", () => {
  it.effect("lean requests and SDK calls fail with one S3Failure, kept as the engine error's cause", () =>
    Effect.gen(function*() {
      const proxy = yield* proxyScoped
      const { engine } = yield* makeTestS3Engine({ endpoint: proxy.endpoint })
      const lean = failureOf(yield* Effect.exit(engine.get("upload/missing.jpg")))
      assert.strictEqual(lean?._tag, "ObjectNotFound")
      const leanCause = lean?._tag === "ObjectNotFound" ? lean.cause : undefined
      assert.instanceOf(leanCause, S3Failure)
      assert.strictEqual((leanCause as S3Failure).code, "NoSuchKey")
      assert.strictEqual((leanCause as S3Failure).status, 404)
      assert.match((leanCause as S3Failure).requestId ?? "", /^\w+$/)
      // A HEAD's answer has no body: its status text stands in for the code.
      const head = failureOf(yield* Effect.exit(engine.stat("upload/missing.jpg")))
      assert.strictEqual(head?._tag === "ObjectNotFound" ? (head.cause as S3Failure).code : undefined, "NotFound")

      proxy.injectFaults(
        [{ status: 400, code: "InvalidArgument" }],
        (r) => r.method === "POST" && query(r).has("uploads")
      )
      const sdk = failureOf(yield* Effect.exit(engine.put("upload/big.mov", chunked(randomData(20 * MiB)))))
      assert.strictEqual(sdk?._tag, "StorageFailure")
      const sdkCause = sdk?._tag === "StorageFailure" ? sdk.cause : undefined
      assert.instanceOf(sdkCause, S3Failure)
      assert.strictEqual((sdkCause as S3Failure).code, "InvalidArgument")
      assert.strictEqual((sdkCause as S3Failure).status, 400)
      // The SDK's own error is kept beneath it.
      assert.property((sdkCause as S3Failure).cause, "$metadata")
    }))

  it.effect("tells a server that cannot list uploads by its code, and fails on other errors", () =>
    Effect.gen(function*() {
      const proxy = yield* proxyScoped
      const { engine } = yield* makeTestS3Engine({ endpoint: proxy.endpoint })
      const listUploads = (r: RecordedRequest) => r.method === "GET" && query(r).has("uploads")
      const logs: Array<string> = []
      proxy.injectFaults([{ status: 501, code: "NotImplemented" }], listUploads)
      const listed = yield* capturingLogs(Stream.runCollect(engine.listIncompleteWrites("")), logs)
      assert.deepStrictEqual(listed, [])
      assert.isTrue(logs.some((line) => line.includes("cannot list incomplete uploads")), logs.join("\n"))
      proxy.injectFaults([{ status: 400, code: "InvalidArgument" }], listUploads)
      const failed = failureOf(yield* Effect.exit(Stream.runCollect(engine.listIncompleteWrites(""))))
      assert.strictEqual(failed?._tag, "StorageFailure")
    }))
})

describe("S3 multipart uploads (one helper for put and copy)", () => {
  const partOne = (r: RecordedRequest) => r.method === "PUT" && query(r).get("partNumber") === "1"
  const abort = (r: RecordedRequest) => r.method === "DELETE" && query(r).has("uploadId")

  it.effect("a put whose part fails is aborted, and an abort that fails is logged", () =>
    Effect.gen(function*() {
      const proxy = yield* proxyScoped
      const { engine } = yield* makeTestS3Engine({ endpoint: proxy.endpoint })
      proxy.injectFaults([{ status: 403, code: "AccessDenied" }, { status: 403, code: "AccessDenied" }], (r) =>
        partOne(r) || abort(r))
      const logs: Array<string> = []
      const exit = yield* capturingLogs(Effect.exit(engine.put("upload/v.mp4", chunked(randomData(20 * MiB)))), logs)
      assert.strictEqual(failureOf(exit)?._tag, "AccessDenied")
      assert.strictEqual(proxy.requests.filter(abort).length, 1)
      assert.isTrue(
        logs.some((line) =>
          line.includes("Could not abort the upload of upload/v.mp4")
        ),
        logs.join("\n")
      )
    }))

  it.effect("a copy in parts whose part fails is aborted, and an abort that fails is logged", () =>
    Effect.gen(function*() {
      const proxy = yield* proxyScoped
      const { engine } = yield* makeTestS3Engine({
        endpoint: proxy.endpoint,
        engine: { maxSingleCopy: MiB, copyPartSize: 5 * MiB }
      })
      yield* engine.put("upload/big.mov", randomData(12 * MiB))
      const copyPartOne = (r: RecordedRequest) => partOne(r) && r.headers["x-amz-copy-source"] !== undefined
      // First a part fails and the abort works: nothing is left on the server.
      proxy.injectFaults([{ status: 403, code: "AccessDenied" }], copyPartOne)
      assert.strictEqual(
        failureOf(yield* Effect.exit(engine.copy("upload/big.mov", "upload/copy.mov")))?._tag,
        "AccessDenied"
      )
      assert.strictEqual(proxy.requests.filter(abort).length, 1)
      assert.deepStrictEqual(yield* Stream.runCollect(engine.listIncompleteWrites("")), [])
      // Then the abort fails too: the copy's own error is reported, the abort's is logged.
      proxy.injectFaults(
        [{ status: 403, code: "AccessDenied" }, { status: 403, code: "AccessDenied" }],
        (r) => copyPartOne(r) || abort(r)
      )
      const logs: Array<string> = []
      const exit = yield* capturingLogs(Effect.exit(engine.copy("upload/big.mov", "upload/copy.mov")), logs)
      assert.strictEqual(failureOf(exit)?._tag, "AccessDenied")
      assert.isTrue(logs.some((line) => line.includes("Could not abort the copy to upload/copy.mov")), logs.join("\n"))
    }))

  it.effect("an upload started without an UploadId fails, for put and copy alike", () =>
    Effect.gen(function*() {
      const { endpoint } = yield* noUploadIdServer
      const settings = testS3Settings(endpoint, "b", {
        prefix: "",
        forcePathStyle: true,
        credentials: { accessKeyId: "a", secretAccessKey: Redacted.make("b") }
      })
      const { engine } = yield* makeS3Engine(s3Location("b", ""), settings, {
        maxSingleCopy: MiB,
        retry: { retries: 0, baseDelay: "1 millis", maxDelay: "1 millis" }
      })
      const put = failureOf(yield* Effect.exit(engine.put("upload/v.mp4", randomData(20 * MiB))))
      const copy = failureOf(yield* Effect.exit(engine.copy("upload/a.mov", "upload/b.mov")))
      for (const [error, operation] of [[put, "start an upload of"], [copy, "start a copy to"]] as const) {
        assert.strictEqual(error?._tag, "StorageFailure")
        assert.strictEqual(error?._tag === "StorageFailure" ? error.operation : undefined, operation)
        assert.include(error?.message ?? "", "the server returned no UploadId")
      }
    }))
})

describe("S3 listings", () => {
  it.effect("ask for URL-encoded keys", () =>
    Effect.gen(function*() {
      const proxy = yield* proxyScoped
      const { engine } = yield* makeTestS3Engine({ endpoint: proxy.endpoint })
      yield* Stream.runCollect(engine.list("upload"))
      const lists = proxy.requests.filter((r) => r.method === "GET" && query(r).get("list-type") === "2")
      assert.strictEqual(lists.length, 1)
      assert.strictEqual(query(lists[0]!).get("encoding-type"), "url")
    }))
})

describe("Presigner", () => {
  const presignerFor = (env: Record<string, string>) =>
    Effect.serviceOption(Presigner).pipe(
      Effect.provide(StorageEngine.layer.pipe(Layer.provide(StorageConfig.layer))),
      Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))
    )

  it.effect("is provided by the S3 engine's layer, and signs URLs that serve the object", () =>
    Effect.gen(function*() {
      const bucket = yield* Effect.promise(() => createTestBucket(inject("s3Endpoint")))
      const env = {
        IMMICH_STORAGE_ENGINE: "s3",
        S3_BUCKET: bucket,
        S3_ENDPOINT: inject("s3Endpoint"),
        S3_FORCE_PATH_STYLE: "true",
        S3_ACCESS_KEY_ID: "test",
        S3_SECRET_ACCESS_KEY: "test"
      }
      const { engine } = yield* makeTestS3Engine({ bucket, settings: { prefix: "" } })
      yield* engine.put("upload/a.jpg", Buffer.from("the bytes"))
      const presigner = yield* presignerFor(env)
      assert.isTrue(Option.isSome(presigner))
      const url = yield* Option.getOrThrow(presigner).presignGet("upload/a.jpg", { expiresInSeconds: 60 })
      const response = yield* Effect.promise(() => fetch(url))
      assert.strictEqual(Buffer.from(yield* Effect.promise(() => response.arrayBuffer())).toString(), "the bytes")
    }))

  it.effect("is absent on local disk", () =>
    Effect.gen(function*() {
      const dir = yield* tempDirScoped
      const presigner = yield* presignerFor({
        IMMICH_STORAGE_ENGINE: "local",
        IMMICH_MEDIA_LOCATION: `${dir.path}/media`
      })
      assert.isTrue(Option.isNone(presigner))
    }))
})
