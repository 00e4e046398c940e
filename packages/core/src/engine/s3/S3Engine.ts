import * as Effect from "effect/Effect"
import type { S3Settings } from "../../config/StorageSettings.ts"
import type { S3Location } from "../../location/MediaLocation.ts"
import { withKeyChecks } from "../keyFront.ts"
import type { EngineInternals } from "../keyFront.ts"
import { PART_SIZE } from "../parts.ts"
import { DEFAULT_RETRY_POLICY } from "../retry.ts"
import type { RetryPolicy } from "../retry.ts"
import { bucketPath, objectPath } from "./s3Endpoint.ts"
import { makeIncompleteUploads } from "./s3IncompleteUploads.ts"
import { makeS3Presigner } from "./s3Presign.ts"
import { makeS3Reads } from "./s3Reads.ts"
import { requestSettingsOf } from "./s3RequestSettings.ts"
import { makeS3Transport } from "./s3Transport.ts"
import type { WireRequest } from "./s3Wire.ts"
import { makeS3Writes } from "./s3Writes.ts"

export type { Sdk } from "./s3Transport.ts"

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
  /** Keys per listing page (S3's most, 1,000, by default); tests lower it to make many pages of few objects. */
  readonly listPageSize?: number
}

export const S3_DEFAULTS = {
  partSize: PART_SIZE,
  partConcurrency: 4,
  maxSingleCopy: 5 * 1024 * MiB,
  copyPartSize: 512 * MiB,
  listPageSize: 1000
} as const

/**
 * Objects under `s3://bucket/prefix`. Bodies above the threshold go multipart with bounded part
 * concurrency; a multipart upload that fails or is interrupted is aborted, so no partial object is
 * ever visible. Every write carries the configured server-side encryption.
 *
 * The frequent, simple requests (single PUTs, GETs, listings, HEADs) are lean requests; multipart uploads,
 * deletes and copies use the AWS SDK, which is loaded only when first needed: a sync that finds nothing
 * to do never loads it. Returns the engine (behind the key checks), its presigner, a bucket check to run
 * once at boot, and raw requests for `check-s3`.
 */
export const makeS3Engine = Effect.fnUntraced(function*(
  location: S3Location,
  settings: S3Settings,
  options: S3EngineOptions = {}
) {
  const sizes = { ...S3_DEFAULTS, ...options }
  const transport = yield* makeS3Transport(location, settings, options.retry ?? DEFAULT_RETRY_POLICY)
  const etagTrust = { etagIsMd5: settings.etagIsMd5, kmsConfigured: settings.sse?.algorithm === "aws:kms" }
  const reads = makeS3Reads(transport, location.prefix, etagTrust, sizes.listPageSize)
  const writes = makeS3Writes(transport, requestSettingsOf(settings), sizes, reads.stat)
  const incomplete = makeIncompleteUploads(transport, location.prefix)
  const internals: EngineInternals = { location, ...reads, ...writes, ...incomplete }
  const presigner = makeS3Presigner(transport)

  /** Fails with BucketNotFound or AccessDenied when the bucket cannot be used; run once at boot. */
  const checkBucket = Effect.asVoid(
    transport.request("open the bucket", undefined, (bucket) => ({ method: "HEAD", path: bucketPath(bucket) }))
  )

  /** A raw request about `key`, or (`rawBucket`) the bucket, for `check-s3`: any status is returned. */
  const probe = {
    exchange: (key: string, build: (path: string) => WireRequest) =>
      transport.exchange(key, (bucket) => build(objectPath(bucket, transport.objectKey(key)))),
    rawBucket: (build: (path: string) => WireRequest) =>
      transport.exchange(undefined, (bucket) => build(bucketPath(bucket))),
    objectKey: transport.objectKey,
    presignGet: presigner.presignGet
  }

  return { engine: withKeyChecks(internals), presigner, checkBucket, probe }
})
