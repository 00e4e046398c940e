import type { S3Client } from "@aws-sdk/client-s3"
import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import type { IncomingMessage } from "node:http"
import { crc32 } from "node:zlib"
import type { S3Settings } from "../../config/StorageSettings.ts"
import type { S3Location } from "../../location/MediaLocation.ts"
import { baseOf } from "../../location/MediaLocation.ts"
import { keyProblem, prefixProblem } from "../../location/StorageKey.ts"
import { parseContentRange, rangeHeader } from "../byteRange.ts"
import type { ByteRange } from "../byteRange.ts"
import { InvalidKey, StorageFailure } from "../errors.ts"
import type { StorageError } from "../errors.ts"
import { intoParts, PART_SIZE } from "../parts.ts"
import { DEFAULT_RETRY_POLICY, retryTransient } from "../retry.ts"
import type { RetryPolicy } from "../retry.ts"
import type { ObjectBody, ObjectInfo, PutOptions, SmallObject, StorageEngineShape } from "../StorageEngine.ts"
import { bucketPath, bucketUrlOf, customEndpointBucketUrl, objectPath } from "./s3Endpoint.ts"
import type { BucketUrl } from "./s3Endpoint.ts"
import { fromS3Error } from "./s3Errors.ts"
import { makeIncompleteUploads } from "./s3IncompleteUploads.ts"
import { presignGetWith, presignObjectUrl } from "./s3Presign.ts"
import { makeS3Wire } from "./s3Wire.ts"
import { readBody } from "./s3Wire.ts"
import type { CredentialsProvider, S3Wire, WireRequest } from "./s3Wire.ts"
import { parseListObjectsV2 } from "./s3Xml.ts"

const MiB = 1024 * 1024

export interface S3EngineOptions {
  /** Bodies up to one part go in one PutObject; larger ones multipart, in parts of this size. */
  readonly partSize?: number
  /** Parts uploaded at once per object; memory is about (partConcurrency + 2) × partSize. */
  readonly partConcurrency?: number
  /** Largest object copied with one CopyObject (S3 allows 5 GiB); larger ones are copied in parts. */
  readonly maxSingleCopy?: number
  readonly copyPartSize?: number
  readonly retry?: RetryPolicy
}

export const S3_DEFAULTS = {
  partSize: PART_SIZE,
  partConcurrency: 4,
  maxSingleCopy: 5 * 1024 * MiB,
  copyPartSize: 512 * MiB
} as const

/** S3 allows at most this many parts per upload. */
const MAX_PARTS = 10_000
const DELETE_BATCH = 1000

/** The AWS SDK and its client, loaded on first use. */
export interface Sdk {
  readonly module: typeof import("@aws-sdk/client-s3")
  readonly client: S3Client
}

/** Sockets and time limit of the lean request path (the SDK client has the same). */
const MAX_SOCKETS = 64
const REQUEST_TIMEOUT_MS = 120_000

/**
 * Objects under `s3://bucket/prefix`. Bodies above the threshold go multipart with bounded part
 * concurrency; a multipart upload that fails or is interrupted is aborted, so no partial object is
 * ever visible. Every write carries the configured server-side encryption.
 *
 * The frequent, simple requests (single PUTs, GETs, listings, HEADs) go through `s3Wire`: signed by the
 * SDK's own signer, without the SDK's per-request machinery. Multipart uploads, deletes and copies use the
 * AWS SDK, which is loaded only when first needed: a sync that finds nothing to do never loads it.
 */
export const makeS3Engine = Effect.fnUntraced(function*(
  location: S3Location,
  settings: S3Settings,
  options: S3EngineOptions = {}
) {
  const { copyPartSize, maxSingleCopy, partConcurrency, partSize } = { ...S3_DEFAULTS, ...options }
  const retry = retryTransient(options.retry ?? DEFAULT_RETRY_POLICY)
  const name = baseOf(location)
  const Bucket = location.bucket
  const scope = yield* Scope.Scope
  const objectKey = (key: string) => (location.prefix === "" ? key : `${location.prefix}/${key}`)
  const keyOfObject = (object: string) => (location.prefix === "" ? object : object.slice(location.prefix.length + 1))
  const checksum = settings.requestChecksums === "when_supported" ? ({ ChecksumAlgorithm: "CRC32" } as const) : {}
  const sse = settings.sse === undefined
    ? {}
    : settings.sse.algorithm === "AES256"
    ? ({ ServerSideEncryption: "AES256" } as const)
    : ({ ServerSideEncryption: "aws:kms", ...(settings.sse.kmsKeyId === undefined ? {} : { SSEKMSKeyId: settings.sse.kmsKeyId }) } as const)
  const sseHeaders: Record<string, string> = settings.sse === undefined
    ? {}
    : settings.sse.algorithm === "AES256"
    ? { "x-amz-server-side-encryption": "AES256" }
    : {
      "x-amz-server-side-encryption": "aws:kms",
      ...(settings.sse.kmsKeyId === undefined ? {} : { "x-amz-server-side-encryption-aws-kms-key-id": settings.sse.kmsKeyId })
    }

  const loadSdk: Effect.Effect<Sdk> = yield* Effect.cached(Effect.gen(function*() {
    const module = yield* Effect.promise(() => import("@aws-sdk/client-s3"))
    const { makeS3Client } = yield* Effect.promise(() => import("./s3Client.ts"))
    const client = yield* makeS3Client(settings).pipe(Scope.provide(scope))
    return { module, client }
  }))

  const staticCredentials = settings.credentials
  const credentials: CredentialsProvider = staticCredentials === undefined
    ? () => Effect.runPromise(loadSdk).then(({ client }) => client.config.credentials())
    : () => Promise.resolve({ accessKeyId: staticCredentials.accessKeyId, secretAccessKey: Redacted.value(staticCredentials.secretAccessKey) })

  /** Where this bucket's requests go: our rule for a custom endpoint, the SDK's resolver for AWS. */
  const resolveBucketUrl: Effect.Effect<{ readonly url: BucketUrl; readonly region: string }, StorageError> = yield* Effect.cached(settings.endpoint !== undefined
    ? Effect.succeed({ url: customEndpointBucketUrl(settings.endpoint, Bucket, settings.forcePathStyle), region: settings.region })
    : Effect.flatMap(loadSdk, ({ client }) =>
      Effect.tryPromise({
        try: async () => {
          const resolved = await client.config.endpointProvider({
            Bucket,
            Region: settings.region,
            UseFIPS: await client.config.useFipsEndpoint(),
            UseDualStack: await client.config.useDualstackEndpoint(),
            Accelerate: settings.useAccelerate,
            ForcePathStyle: settings.forcePathStyle
          })
          const scheme = (resolved.properties?.["authSchemes"] as ReadonlyArray<{ name?: string; signingRegion?: string }> | undefined)?.[0]
          if (scheme !== undefined && scheme.name !== "sigv4") throw new Error(`the bucket needs ${scheme.name} signing (S3 Express directory buckets are not supported)`)
          return { url: bucketUrlOf(resolved.url), region: scheme?.signingRegion ?? settings.region }
        },
        catch: (cause) => new StorageFailure({ location: name, operation: "open the bucket", detail: cause instanceof Error ? cause.message : String(cause) })
      })))

  const loadWire: Effect.Effect<{ readonly wire: S3Wire; readonly bucket: BucketUrl }, StorageError> = yield* Effect.cached(Effect.gen(function*() {
    const { region, url } = yield* resolveBucketUrl
    const wire = makeS3Wire({ bucket: url, region, credentials, maxSockets: MAX_SOCKETS, timeoutMs: REQUEST_TIMEOUT_MS })
    yield* Scope.addFinalizer(scope, Effect.sync(() => wire.close()))
    return { wire, bucket: url }
  }))

  const errorFor = (operation: string, key: string | undefined) => fromS3Error({ location: name, bucket: Bucket, operation, key })

  /** One try of `run`: errors mapped at the boundary, transient ones retried, abortable on interruption. */
  const attempt = <A>(operation: string, key: string | undefined, run: (signal: AbortSignal) => Promise<A>) =>
    retry(Effect.tryPromise({ try: run, catch: errorFor(operation, key) }))

  /** One SDK call. */
  const call = <A>(operation: string, key: string | undefined, send: (sdk: Sdk, signal: AbortSignal) => Promise<A>) =>
    Effect.flatMap(loadSdk, (sdk) => attempt(operation, key, (signal) => send(sdk, signal)))

  /** One lean request, read whole; a non-2xx answer fails like the SDK call would. */
  const request = (operation: string, key: string | undefined, build: (bucket: BucketUrl) => WireRequest) =>
    Effect.flatMap(loadWire, ({ bucket, wire }) => attempt(operation, key, (signal) => wire.expectOk(build(bucket), signal)))

  const validKey = (key: string): Effect.Effect<string, InvalidKey> => {
    const reason = keyProblem(key)
    return reason === undefined ? Effect.succeed(key) : Effect.fail(new InvalidKey({ key, reason }))
  }

  const crc32Header = (body: Uint8Array): Record<string, string> => {
    if (settings.requestChecksums !== "when_supported") return {}
    const value = Buffer.alloc(4)
    value.writeUInt32BE(crc32(body))
    return { "x-amz-checksum-crc32": value.toString("base64"), "x-amz-sdk-checksum-algorithm": "CRC32" }
  }

  const putOnce = (key: string, body: Uint8Array, options: PutOptions | undefined) =>
    request("write", key, (bucket) => ({
      method: "PUT",
      path: objectPath(bucket, objectKey(key)),
      headers: {
        // S3's own default, sent explicitly as the SDK does (some servers cannot read a body without one).
        "content-type": options?.contentType ?? "application/octet-stream",
        ...sseHeaders,
        ...crc32Header(body)
      },
      body
    })).pipe(Effect.map((response) => ({ ETag: response.headers.etag })))

  /** Uploads parts (already cut to size) as one multipart upload; aborts it unless it completes. */
  const putMultipart = <E>(key: string, parts: Stream.Stream<Uint8Array, E>, options: PutOptions | undefined) =>
    Effect.acquireUseRelease(
      call("start an upload of", key, ({ client, module }, abortSignal) =>
        client.send(
          new module.CreateMultipartUploadCommand({
            Bucket,
            Key: objectKey(key),
            ...(options?.contentType === undefined ? {} : { ContentType: options.contentType }),
            ...sse,
            ...checksum
          }),
          { abortSignal }
        )).pipe(
          Effect.flatMap((created) =>
            created.UploadId === undefined
              ? Effect.fail(new StorageFailure({ location: name, operation: "start an upload of", key, detail: "the server returned no UploadId" }))
              : Effect.succeed(created.UploadId)
          )
        ),
      (UploadId) =>
        parts.pipe(
          Stream.zipWithIndex,
          Stream.mapEffect(([body, index]) => {
            const PartNumber = index + 1
            if (PartNumber > MAX_PARTS) {
              return Effect.fail(new StorageFailure({ location: name, operation: "write", key, detail: `the body needs more than ${MAX_PARTS} parts` }))
            }
            return call("write", key, ({ client, module }, abortSignal) =>
              client.send(
                new module.UploadPartCommand({ Bucket, Key: objectKey(key), UploadId, PartNumber, Body: body, ContentLength: body.length, ...checksum }),
                { abortSignal }
              )).pipe(Effect.map((uploaded) => ({ PartNumber, ETag: uploaded.ETag, ChecksumCRC32: uploaded.ChecksumCRC32 })))
          }, { concurrency: partConcurrency }),
          Stream.runCollect,
          Effect.flatMap((completed) =>
            call("complete the upload of", key, ({ client, module }, abortSignal) =>
              client.send(
                new module.CompleteMultipartUploadCommand({ Bucket, Key: objectKey(key), UploadId, MultipartUpload: { Parts: completed } }),
                { abortSignal }
              ))
          )
        ),
      (UploadId, exit) =>
        Exit.isSuccess(exit)
          ? Effect.void
          : call("abort the upload of", key, ({ client, module }, abortSignal) =>
            client.send(new module.AbortMultipartUploadCommand({ Bucket, Key: objectKey(key), UploadId }), { abortSignal })).pipe(
              Effect.catch((error) => Effect.logWarning(`Could not abort an incomplete upload of ${key}; a bucket lifecycle rule will clean it up`, error.message))
            )
    )

  const put = <E = never>(key: string, body: Stream.Stream<Uint8Array, E> | Uint8Array, options?: PutOptions) =>
    Effect.gen(function*() {
      yield* validKey(key)
      let size = 0
      const counted = (parts: Stream.Stream<Uint8Array, E>) => Stream.tap(parts, (part) => Effect.sync(() => void (size += part.length)))
      const etag: string | undefined = body instanceof Uint8Array
        ? body.length <= partSize
          ? (yield* putOnce(key, body, options)).ETag
          : (yield* putMultipart(key, counted(Stream.make(body).pipe(intoParts(partSize))), options)).ETag
        // Peek at the first two parts: a body that fits in one is sent with a single PutObject.
        : yield* Effect.scoped(Effect.gen(function*() {
          const [head, rest] = yield* Stream.peel(body.pipe(intoParts(partSize)), Sink.take(2))
          if (head.length < 2) {
            const single = head[0] ?? new Uint8Array(0)
            size = single.length
            return (yield* putOnce(key, single, options)).ETag
          }
          return (yield* putMultipart(key, counted(Stream.concat(Stream.fromIterable(head), rest)), options)).ETag
        }))
      if (body instanceof Uint8Array) size = body.length
      // The server's own LastModified is a HEAD away; uploads report the time they completed.
      const info: ObjectInfo = { key, size, lastModified: new Date(), etag }
      return info
    }).pipe(Effect.withSpan("S3Engine.put", { attributes: { key } }))

  const infoOf = (key: string, size: number, headers: IncomingMessage["headers"]): ObjectInfo => {
    const lastModified = headers["last-modified"]
    return { key, size, lastModified: lastModified === undefined ? new Date(0) : new Date(lastModified), etag: headers.etag }
  }

  const stat = Effect.fn("S3Engine.stat")(function*(key: string) {
    yield* validKey(key)
    const head = yield* request("stat", key, (bucket) => ({ method: "HEAD", path: objectPath(bucket, objectKey(key)) }))
    return infoOf(key, Number(head.headers["content-length"] ?? 0), head.headers)
  })

  /** The object's CRC32 as S3 reports it for whole-object reads; composite (multipart) values are not comparable. */
  const fullObjectCrc32 = (headers: Readonly<Record<string, string | Array<string> | undefined>>): number | undefined => {
    const value = headers["x-amz-checksum-crc32"]
    if (typeof value !== "string" || value.includes("-")) return undefined
    const bytes = Buffer.from(value, "base64")
    return bytes.length === 4 ? bytes.readUInt32BE(0) : undefined
  }

  // A whole-object read asks for the stored checksum (where checksums are on) and checks the bytes against it.
  const verifiesWholeReads = settings.requestChecksums === "when_supported"
  const crcMismatch = (key: string) =>
    new StorageFailure({ location: name, operation: "read", key, detail: "the bytes received do not match the object's CRC32 checksum" })

  /** A GET of `key` (or a range of it), answered as far as its head; `then` decides what to do with the body. */
  const openObject = <A>(key: string, range: ByteRange | undefined, then: (response: IncomingMessage) => Promise<A>) =>
    Effect.flatMap(loadWire, ({ bucket, wire }) =>
      attempt("read", key, (signal) =>
        wire.open({
          method: "GET",
          path: objectPath(bucket, objectKey(key)),
          headers: {
            ...(range === undefined ? {} : { range: rangeHeader(range) }),
            ...(range === undefined && verifiesWholeReads ? { "x-amz-checksum-mode": "ENABLED" } : {})
          }
        }, signal).then(then)))


  const get = Effect.fn("S3Engine.get")(function*(key: string, range?: ByteRange) {
    yield* validKey(key)
    const response = yield* openObject(key, range, (response) => Promise.resolve(response))
    const contentRange = parseContentRange(response.headers["content-range"])
    const size = contentRange?.size ?? Number(response.headers["content-length"] ?? 0)
    const raw = NodeStream.fromReadable<Uint8Array, StorageError>({ evaluate: () => response, onError: errorFor("read", key) })
    const expected = range === undefined ? fullObjectCrc32(response.headers) : undefined
    let crc = 0
    const stream = expected === undefined ? raw : Stream.concat(
      Stream.tap(raw, (chunk) => Effect.sync(() => void (crc = crc32(chunk, crc)))),
      Stream.fromEffectDrain(Effect.suspend(() => ((crc >>> 0) === expected ? Effect.void : Effect.fail(crcMismatch(key)))))
    )
    const body: ObjectBody = {
      info: infoOf(key, size, response.headers),
      // A server that ignores the Range header answers 200 with the whole object; report what was sent.
      range: range === undefined || contentRange === undefined ? undefined : { start: contentRange.start, end: contentRange.end },
      stream
    }
    return body
  })

  const readSmall = Effect.fn("S3Engine.readSmall")(function*(key: string, maxBytes: number) {
    yield* validKey(key)
    // The head says how large the object is: a larger one is left unread (its connection closed).
    const read = yield* openObject(key, undefined, (response) => {
      // (S3 always sends the length; an answer without one is streamed by `get` instead.)
      if (Number(response.headers["content-length"] ?? Number.POSITIVE_INFINITY) <= maxBytes) return readBody(response)
      response.destroy()
      return Promise.resolve(undefined)
    })
    if (read === undefined) return undefined
    const expected = fullObjectCrc32(read.headers)
    if (expected !== undefined && crc32(read.body) !== expected) return yield* crcMismatch(key)
    const small: SmallObject = { info: infoOf(key, read.body.length, read.headers), bytes: read.body }
    return small
  })

  const list = (prefix: string): Stream.Stream<ObjectInfo, StorageError> => {
    const problem = prefixProblem(prefix)
    if (problem !== undefined) return Stream.fail(new InvalidKey({ key: prefix, reason: problem }))
    const Prefix = prefix === "" ? (location.prefix === "" ? "" : `${location.prefix}/`) : `${objectKey(prefix)}/`
    return Stream.paginate(undefined as string | undefined, (token) =>
      request("list", prefix === "" ? undefined : prefix, (bucket) => ({
        method: "GET",
        path: bucketPath(bucket),
        query: {
          "list-type": "2",
          "max-keys": "1000",
          ...(Prefix === "" ? {} : { prefix: Prefix }),
          ...(token === undefined ? {} : { "continuation-token": token })
        }
      })).pipe(
        Effect.map((response) => {
          const page = parseListObjectsV2(response.body.toString("utf8"))
          const infos: Array<ObjectInfo> = []
          for (const object of page.objects) {
            const key = keyOfObject(object.key)
            // Folder placeholders ("photos/") and keys other tools wrote that we could not address are skipped.
            if (keyProblem(key) !== undefined) continue
            infos.push({ key, size: object.size, lastModified: object.lastModified, etag: object.etag })
          }
          return [infos, page.nextContinuationToken === undefined ? Option.none() : Option.some(page.nextContinuationToken)] as const
        })
      ))
  }

  const remove = Effect.fn("S3Engine.delete")(function*(keys: ReadonlyArray<string>) {
    for (const key of keys) yield* validKey(key)
    const batches: Array<ReadonlyArray<string>> = []
    for (let i = 0; i < keys.length; i += DELETE_BATCH) batches.push(keys.slice(i, i + DELETE_BATCH))
    yield* Effect.forEach(batches, (batch) =>
      call("delete", undefined, ({ client, module }, abortSignal) =>
        client.send(
          new module.DeleteObjectsCommand({ Bucket, Delete: { Objects: batch.map((key) => ({ Key: objectKey(key) })), Quiet: true } }),
          { abortSignal }
        )).pipe(
          Effect.flatMap((result) => {
            const failed = result.Errors?.[0]
            if (failed === undefined) return Effect.void
            const key = failed.Key === undefined ? undefined : keyOfObject(failed.Key)
            return Effect.fail(errorFor("delete", key)({ name: failed.Code, message: failed.Message }))
          })
        ), { concurrency: 4, discard: true })
  })

  const copySource = (key: string) => `${Bucket}/${objectKey(key).split("/").map(encodeURIComponent).join("/")}`

  const copy = Effect.fn("S3Engine.copy")(function*(from: string, to: string) {
    const source = yield* stat(from)
    yield* validKey(to)
    if (source.size <= maxSingleCopy) {
      yield* call("copy", to, ({ client, module }, abortSignal) =>
        client.send(
          new module.CopyObjectCommand({ Bucket, Key: objectKey(to), CopySource: copySource(from), MetadataDirective: "COPY", ...sse }),
          { abortSignal }
        ))
      return
    }
    const ranges: Array<{ start: number; end: number }> = []
    for (let start = 0; start < source.size; start += copyPartSize) {
      ranges.push({ start, end: Math.min(start + copyPartSize, source.size) - 1 })
    }
    yield* Effect.acquireUseRelease(
      call("start a copy to", to, ({ client, module }, abortSignal) =>
        client.send(new module.CreateMultipartUploadCommand({ Bucket, Key: objectKey(to), ...sse }), { abortSignal })).pipe(
          Effect.map((created) => created.UploadId ?? "")
        ),
      (UploadId) =>
        Effect.forEach(ranges, ({ end, start }, index) =>
          call("copy", to, ({ client, module }, abortSignal) =>
            client.send(
              new module.UploadPartCopyCommand({
                Bucket,
                Key: objectKey(to),
                UploadId,
                PartNumber: index + 1,
                CopySource: copySource(from),
                CopySourceRange: `bytes=${start}-${end}`
              }),
              { abortSignal }
            )).pipe(Effect.map((part) => ({ PartNumber: index + 1, ETag: part.CopyPartResult?.ETag }))), { concurrency: partConcurrency }).pipe(
            Effect.flatMap((Parts) =>
              call("complete the copy to", to, ({ client, module }, abortSignal) =>
                client.send(new module.CompleteMultipartUploadCommand({ Bucket, Key: objectKey(to), UploadId, MultipartUpload: { Parts } }), { abortSignal }))
            )
          ),
      (UploadId, exit) =>
        Exit.isSuccess(exit)
          ? Effect.void
          : call("abort the copy to", to, ({ client, module }, abortSignal) =>
            client.send(new module.AbortMultipartUploadCommand({ Bucket, Key: objectKey(to), UploadId }), { abortSignal })).pipe(Effect.ignore)
    )
  })

  /** Fails with BucketNotFound or AccessDenied when the bucket cannot be used; run once at boot. */
  const checkBucket = request("open the bucket", undefined, (bucket) => ({ method: "HEAD", path: bucketPath(bucket) })).pipe(Effect.asVoid)

  const incomplete = makeIncompleteUploads({ name, bucket: Bucket, locationPrefix: location.prefix, objectKey, keyOfObject, call })

  const presignGet = presignGetWith(location, (objectKey, options) =>
    Effect.runPromise(resolveBucketUrl).then(({ region, url }) => presignObjectUrl({ bucket: url, region }, credentials, objectKey, options)))

  const shape: StorageEngineShape = { location, put, get, readSmall, stat, list, delete: remove, copy, ...incomplete, presignGet }
  return { engine: shape, checkBucket }
})
