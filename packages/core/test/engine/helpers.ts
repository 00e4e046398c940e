import type { S3Settings, StorageEngineShape } from "@immich-storage/core"
import { localLocation, makeLocalEngine, s3Location, StorageEngine } from "@immich-storage/core"
import { makeS3Engine } from "@immich-storage/core/s3"
import type { S3EngineOptions } from "@immich-storage/core/s3"
import { createTestBucket, makeTempDir, s3Target } from "@immich-storage/testkit"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { createHash, randomBytes } from "node:crypto"
import { inject } from "vitest"

export const MiB = 1024 * 1024

export const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex")

/** Streams `bytes` in chunks of `chunkSize`, as an upload from a socket would arrive. */
export const chunked = (bytes: Uint8Array, chunkSize = 256 * 1024): Stream.Stream<Uint8Array> => {
  const chunks: Array<Uint8Array> = []
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize))
  return Stream.fromIterable(chunks)
}

export const randomData = (size: number): Uint8Array => randomBytes(size)

/** Reads a whole body and returns its bytes. */
export const readAll = <E>(stream: Stream.Stream<Uint8Array, E>): Effect.Effect<Buffer, E> =>
  Stream.runCollect(stream).pipe(Effect.map((chunks) => Buffer.concat(chunks)))

/** Streams a body through sha256 without keeping it. */
export const hashStream = <E>(stream: Stream.Stream<Uint8Array, E>): Effect.Effect<{ sha: string; size: number }, E> =>
  Effect.suspend(() => {
    const hash = createHash("sha256")
    let size = 0
    return Stream.runForEach(stream, (chunk) =>
      Effect.sync(() => {
        hash.update(chunk)
        size += chunk.length
      })).pipe(Effect.map(() => ({ sha: hash.digest("hex"), size })))
  })

export const tempDirScoped = Effect.acquireRelease(
  Effect.promise(() => makeTempDir()),
  (dir) => Effect.promise(() => dir.remove())
)

export const localEngineLayer: Layer.Layer<StorageEngine> = Layer.effect(
  StorageEngine,
  Effect.gen(function*() {
    const dir = yield* tempDirScoped
    return yield* makeLocalEngine(localLocation(`${dir.path}/media`))
  }).pipe(Effect.orDie)
)

export const testS3Settings = (endpoint: string, bucket: string, extra: Partial<S3Settings> = {}): S3Settings => ({
  bucket,
  prefix: "library-root",
  region: s3Target().region,
  endpoint,
  forcePathStyle: s3Target().forcePathStyle,
  credentials: undefined,
  useAccelerate: false,
  sse: undefined,
  requestChecksums: "when_required",
  etagIsMd5: true,
  ...extra
})

/** An S3 engine on a fresh bucket of the test server (or `endpoint`, e.g. a proxy in front of it). */
export const makeTestS3Engine = (options: {
  readonly endpoint?: string
  readonly bucket?: string
  readonly settings?: Partial<S3Settings>
  readonly engine?: S3EngineOptions
} = {}) =>
  Effect.gen(function*() {
    const serverEndpoint = inject("s3Endpoint")
    const bucket = options.bucket ?? (yield* Effect.promise(() => createTestBucket(serverEndpoint)))
    const settings = testS3Settings(options.endpoint ?? serverEndpoint, bucket, {
      credentials: {
        accessKeyId: s3Target().credentials.accessKeyId,
        secretAccessKey: Redacted.make(s3Target().credentials.secretAccessKey)
      },
      ...options.settings
    })
    const made = yield* makeS3Engine(s3Location(bucket, settings.prefix), settings, {
      retry: { retries: 3, baseDelay: "5 millis", maxDelay: "20 millis" },
      ...options.engine
    })
    return { ...made, bucket, settings }
  })

export const s3EngineLayer: Layer.Layer<StorageEngine> = Layer.effect(
  StorageEngine,
  makeTestS3Engine().pipe(Effect.map(({ engine }): StorageEngineShape => engine), Effect.orDie)
)
