import * as Effect from "effect/Effect"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import type { StorageKey } from "../../location/StorageKey.ts"
import type { StorageError } from "../errors.ts"
import { intoParts } from "../parts.ts"
import type { ObjectInfo, PutOptions } from "../StorageEngine.ts"
import { objectPath } from "./s3Endpoint.ts"
import { S3Failure } from "./s3Failure.ts"
import { COPY_STEPS, UPLOAD_STEPS, uploadInParts } from "./s3Multipart.ts"
import type { RequestSettings } from "./s3RequestSettings.ts"
import type { S3Transport } from "./s3Transport.ts"

const DELETE_BATCH = 1000

export interface S3WriteSizes {
  /** Bodies up to one part go in one PutObject; larger ones multipart, in parts of this size. */
  readonly partSize: number
  /** Parts uploaded at once per object. */
  readonly partConcurrency: number
  /** Largest object copied with one CopyObject; larger ones are copied in parts of `copyPartSize`. */
  readonly maxSingleCopy: number
  readonly copyPartSize: number
}

interface WriteContext {
  readonly transport: S3Transport
  readonly requests: RequestSettings
  readonly sizes: S3WriteSizes
}

const putOnce = (
  { requests, transport }: WriteContext,
  key: StorageKey,
  body: Uint8Array,
  options: PutOptions | undefined
) =>
  transport.request("write", key, (bucket) => {
    const headers: Record<string, string> = {
      // S3's own default, sent explicitly as the SDK does (some servers cannot read a body without one).
      "content-type": options?.contentType ?? "application/octet-stream",
      ...requests.putHeaders
    }
    if (requests.bodyChecksum !== undefined) headers["x-amz-checksum-crc32"] = requests.bodyChecksum(body)
    return { method: "PUT", path: objectPath(bucket, transport.objectKey(key)), headers, body }
  }).pipe(Effect.map((response) => response.headers.etag))

/** Uploads parts (already cut to size) as one multipart upload. */
const putMultipart = <E>(
  { requests, sizes, transport }: WriteContext,
  key: StorageKey,
  parts: Stream.Stream<Uint8Array, E>,
  options: PutOptions | undefined
) =>
  uploadInParts(transport, {
    key,
    steps: UPLOAD_STEPS,
    create: {
      ...(options?.contentType === undefined ? {} : { ContentType: options.contentType }),
      ...requests.sse,
      ...requests.checksum
    },
    parts,
    concurrency: sizes.partConcurrency,
    sendPart: ({ client, module }, { source, ...part }, abortSignal) =>
      client.send(
        new module.UploadPartCommand({
          ...part,
          Bucket: transport.bucket,
          Body: source,
          ContentLength: source.length,
          ...requests.checksum
        }),
        { abortSignal }
      ).then(({ ChecksumCRC32, ETag }) => ({ PartNumber: part.PartNumber, ETag, ChecksumCRC32 }))
  }).pipe(Effect.map((completed) => completed.ETag))

const putOf = (context: WriteContext) =>
<E = never>(
  key: StorageKey,
  body: Stream.Stream<Uint8Array, E> | Uint8Array,
  options?: PutOptions
) =>
  Effect.gen(function*() {
    const { partSize } = context.sizes
    let size = 0
    const counted = (parts: Stream.Stream<Uint8Array, E>) =>
      Stream.tap(parts, (part) => Effect.sync(() => void (size += part.length)))
    const etag: string | undefined = body instanceof Uint8Array
      ? body.length <= partSize
        ? yield* putOnce(context, key, body, options)
        : yield* putMultipart(context, key, counted(Stream.make(body).pipe(intoParts(partSize))), options)
      // Peek at the first two parts: a body that fits in one is sent with a single PutObject.
      : yield* Effect.scoped(Effect.gen(function*() {
        const [head, rest] = yield* Stream.peel(body.pipe(intoParts(partSize)), Sink.take(2))
        if (head.length < 2) {
          const single = head[0] ?? new Uint8Array(0)
          size = single.length
          return yield* putOnce(context, key, single, options)
        }
        return yield* putMultipart(context, key, counted(Stream.concat(Stream.fromIterable(head), rest)), options)
      }))
    if (body instanceof Uint8Array) size = body.length
    // The server's own LastModified is a HEAD away; uploads report the time they completed.
    const info: ObjectInfo = { key, size, lastModified: new Date(), etag }
    return info
  }).pipe(Effect.withSpan("S3Engine.put", { attributes: { key } }))

/**
 * Keys a DeleteObjects body cannot carry: XML 1.0 has no way to write most control characters, and a parser
 * turns a carriage return into a line feed. They are deleted one request each, by path.
 */
const NOT_IN_XML = /[\u0000-\u0008\u000b\u000c\u000d\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])/

const deleteOne = (transport: S3Transport, key: StorageKey) =>
  transport.call(
    "delete",
    key,
    ({ client, module }, abortSignal) =>
      client.send(new module.DeleteObjectCommand({ Bucket: transport.bucket, Key: transport.objectKey(key) }), {
        abortSignal
      })
  )

const deleteOf = ({ transport }: WriteContext) =>
  Effect.fn("S3Engine.delete")(function*(all: ReadonlyArray<StorageKey>) {
    const keys: Array<StorageKey> = []
    const oneByOne: Array<StorageKey> = []
    for (const key of all) (NOT_IN_XML.test(key) ? oneByOne : keys).push(key)
    yield* Effect.forEach(oneByOne, (key) => deleteOne(transport, key), { concurrency: 4, discard: true })
    const batches: Array<ReadonlyArray<StorageKey>> = []
    for (let i = 0; i < keys.length; i += DELETE_BATCH) batches.push(keys.slice(i, i + DELETE_BATCH))
    yield* Effect.forEach(
      batches,
      (batch) =>
        transport.call("delete", undefined, ({ client, module }, abortSignal) =>
          client.send(
            new module.DeleteObjectsCommand({
              Bucket: transport.bucket,
              Delete: { Objects: batch.map((key) => ({ Key: transport.objectKey(key) })), Quiet: true }
            }),
            { abortSignal }
          )).pipe(
            Effect.flatMap((result) => {
              const failed = result.Errors?.[0]
              if (failed === undefined) return Effect.void
              const key = failed.Key === undefined ? undefined : transport.keyOfObject(failed.Key)
              const failure = new S3Failure({
                code: failed.Code ?? "Unknown",
                status: undefined,
                requestId: result.$metadata.requestId,
                message: failed.Message ?? "the server refused to delete it"
              })
              return Effect.fail(transport.errorFor("delete", key)(failure))
            })
          ),
      { concurrency: 4, discard: true }
    )
  })

const copyOf = ({ requests, sizes, transport }: WriteContext, stat: Stat) => {
  const { bucket: Bucket, objectKey } = transport
  const copySource = (key: StorageKey) => `${Bucket}/${objectKey(key).split("/").map(encodeURIComponent).join("/")}`
  return Effect.fn("S3Engine.copy")(function*(from: StorageKey, to: StorageKey) {
    const source = yield* stat(from)
    if (source.size <= sizes.maxSingleCopy) {
      yield* transport.call("copy", to, ({ client, module }, abortSignal) =>
        client.send(
          new module.CopyObjectCommand({
            Bucket,
            Key: objectKey(to),
            CopySource: copySource(from),
            MetadataDirective: "COPY",
            ...requests.sse
          }),
          { abortSignal }
        ))
      return
    }
    const ranges: Array<{ start: number; end: number }> = []
    for (let start = 0; start < source.size; start += sizes.copyPartSize) {
      ranges.push({ start, end: Math.min(start + sizes.copyPartSize, source.size) - 1 })
    }
    yield* uploadInParts(transport, {
      key: to,
      steps: COPY_STEPS,
      create: requests.sse,
      parts: Stream.fromIterable(ranges),
      concurrency: sizes.partConcurrency,
      sendPart: ({ client, module }, { source: range, ...part }, abortSignal) =>
        client.send(
          new module.UploadPartCopyCommand({
            ...part,
            Bucket,
            CopySource: copySource(from),
            CopySourceRange: `bytes=${range.start}-${range.end}`
          }),
          { abortSignal }
        ).then((copied) => ({ PartNumber: part.PartNumber, ETag: copied.CopyPartResult?.ETag }))
    })
  })
}

type Stat = (key: StorageKey) => Effect.Effect<ObjectInfo, StorageError>

/**
 * The engine's writes. Single PUTs are lean requests; multipart uploads, deletes and copies use the SDK.
 * Every new object carries the configured server-side encryption.
 */
export const makeS3Writes = (transport: S3Transport, requests: RequestSettings, sizes: S3WriteSizes, stat: Stat) => {
  const context: WriteContext = { transport, requests, sizes }
  return { put: putOf(context), delete: deleteOf(context), copy: copyOf(context, stat) }
}
