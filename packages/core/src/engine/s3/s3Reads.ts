import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { IncomingMessage } from "node:http"
import type { StorageKey } from "../../location/StorageKey.ts"
import { parseContentRange, rangeHeader, resolveRange } from "../byteRange.ts"
import type { ByteRange } from "../byteRange.ts"
import { DIGEST_NAMES, digestsOfBytes, readCheckOf, verifiedStream } from "../digests.ts"
import type { DigestKind } from "../digests.ts"
import { IntegrityMismatch, RangeNotSatisfiable } from "../errors.ts"
import type { StorageError } from "../errors.ts"
import type { StoragePrefix } from "../keyFront.ts"
import type { ObjectBody, ObjectInfo, SmallObject } from "../StorageEngine.ts"
import { s3Digests } from "./s3Digests.ts"
import type { EtagTrust } from "./s3Digests.ts"
import { objectPath } from "./s3Endpoint.ts"
import { listOf } from "./s3Listing.ts"
import type { S3Transport } from "./s3Transport.ts"
import { readBody } from "./s3Wire.ts"

// Whole-object reads and HEADs ask for the stored checksum; servers that store none ignore the header.
const CHECKSUM_MODE = { "x-amz-checksum-mode": "ENABLED" }

export interface ReadContext {
  readonly transport: S3Transport
  /** The location's prefix in the bucket ("" for the whole bucket). */
  readonly locationPrefix: string
  readonly etagTrust: EtagTrust
  readonly listPageSize: number
}

type Stat = (key: StorageKey) => Effect.Effect<ObjectInfo, StorageError>

const infoOf = (context: ReadContext, key: string, size: number, headers: IncomingMessage["headers"]): ObjectInfo => {
  const lastModified = headers["last-modified"]
  return {
    key,
    size,
    lastModified: lastModified === undefined ? new Date(0) : new Date(lastModified),
    etag: headers.etag,
    digests: s3Digests(headers, context.etagTrust)
  }
}

const statOf = (context: ReadContext): Stat =>
  Effect.fn("S3Engine.stat")(function*(key: StorageKey) {
    const { objectKey } = context.transport
    const head = yield* context.transport.request("stat", key, (bucket) => ({
      method: "HEAD",
      path: objectPath(bucket, objectKey(key)),
      headers: CHECKSUM_MODE
    }))
    return infoOf(context, key, Number(head.headers["content-length"] ?? 0), head.headers)
  })

const mismatch = (context: ReadContext, key: string) => (kind: DigestKind) =>
  new IntegrityMismatch({ location: context.transport.name, key, check: DIGEST_NAMES[kind] })

/** A GET of `key` (or a range of it), answered as far as its head; `then` decides what to do with the body. */
const openObject = <A>(
  context: ReadContext,
  key: StorageKey,
  range: ByteRange | undefined,
  then: (response: IncomingMessage) => Promise<A>
) =>
  context.transport.open("read", key, (bucket) => ({
    method: "GET",
    path: objectPath(bucket, context.transport.objectKey(key)),
    headers: range === undefined ? CHECKSUM_MODE : { range: rangeHeader(range) }
  }), then)

const asIs = (response: IncomingMessage) => Promise.resolve(response)

/**
 * After a 416: the object's size from the answer, else from a HEAD (Ceph RGW sends no `Content-Range`).
 * A suffix longer than the object means the whole object (RFC 9110, and AWS's answer); servers that
 * refuse it (the test server, RGW) are asked again for the bytes it resolves to.
 */
const afterUnsatisfiable =
  (context: ReadContext, stat: Stat, key: StorageKey, range: ByteRange) => (error: RangeNotSatisfiable) =>
    Effect.gen(function*() {
      const size = Number.isSafeInteger(error.size) ? error.size : (yield* stat(key)).size
      const resolved = "suffixLength" in range ? resolveRange(range, size) : undefined
      if (resolved === undefined) return yield* new RangeNotSatisfiable({ key, size })
      return yield* openObject(context, key, resolved, asIs).pipe(
        Effect.catchTag("RangeNotSatisfiable", (again) =>
          Number.isSafeInteger(again.size)
            ? Effect.fail(again)
            : Effect.flatMap(stat(key), (info) => new RangeNotSatisfiable({ key, size: info.size })))
      )
    })

const getOf = (context: ReadContext, stat: Stat) =>
  Effect.fn("S3Engine.get")(function*(key: StorageKey, range?: ByteRange) {
    const retryRange = range === undefined ? Effect.fail : afterUnsatisfiable(context, stat, key, range)
    const response = yield* openObject(context, key, range, asIs).pipe(
      Effect.catchTag("RangeNotSatisfiable", retryRange)
    )
    const contentRange = parseContentRange(response.headers["content-range"])
    const size = contentRange?.size ?? Number(response.headers["content-length"] ?? 0)
    const raw = NodeStream.fromReadable<Uint8Array, StorageError>({
      evaluate: () => response,
      onError: context.transport.errorFor("read", key)
    })
    const info = infoOf(context, key, size, response.headers)
    const body: ObjectBody = {
      info,
      // A server that ignores the Range header answers 200 with the whole object; report what was sent.
      range: range === undefined || contentRange === undefined
        ? undefined
        : { start: contentRange.start, end: contentRange.end },
      // Whole-object reads are checked against the stored CRC32, else the ETag when it is the body's MD5.
      stream: range === undefined ? verifiedStream(raw, info.digests, mismatch(context, key)) : raw
    }
    return body
  })

const readSmallOf = (context: ReadContext) =>
  Effect.fn("S3Engine.readSmall")(function*(key: StorageKey, maxBytes: number) {
    // The head says how large the object is: a larger one is left unread (its connection closed).
    const read = yield* openObject(context, key, undefined, (response) => {
      // (S3 always sends the length; an answer without one is streamed by `get` instead.)
      if (Number(response.headers["content-length"] ?? Number.POSITIVE_INFINITY) <= maxBytes) return readBody(response)
      response.destroy()
      return Promise.resolve(undefined)
    })
    if (read === undefined) return undefined
    const info = infoOf(context, key, read.body.length, read.headers)
    const kind = readCheckOf(info.digests)
    if (kind !== undefined && digestsOfBytes(read.body, [kind])[kind] !== info.digests?.[kind]) {
      return yield* mismatch(context, key)(kind)
    }
    const small: SmallObject = { info, bytes: read.body }
    return small
  })

/** The engine's reads: lean requests only (HEAD, GET, ListObjectsV2). */
export const makeS3Reads = (
  transport: S3Transport,
  locationPrefix: string,
  etagTrust: EtagTrust,
  listPageSize: number
) => {
  const context: ReadContext = { transport, locationPrefix, etagTrust, listPageSize }
  const stat = statOf(context)
  return { stat, get: getOf(context, stat), readSmall: readSmallOf(context), list: listOf(context) }
}
