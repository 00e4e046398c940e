import { SignatureV4 } from "@smithy/signature-v4"
import * as Effect from "effect/Effect"
import type { S3Location } from "../../location/MediaLocation.ts"
import { baseOf } from "../../location/MediaLocation.ts"
import { keyProblem } from "../../location/StorageKey.ts"
import { InvalidKey, StorageFailure } from "../errors.ts"
import type { StorageError } from "../errors.ts"
import { NodeSha256 } from "./nodeSha256.ts"
import type { BucketUrl } from "./s3Endpoint.ts"
import { objectPath, queryString } from "./s3Endpoint.ts"
import type { CredentialsProvider } from "./s3Wire.ts"

export interface PresignGetOptions {
  /** How long the URL works: 1 second to 7 days (SigV4's limit). */
  readonly expiresInSeconds: number
  /** Sent back by S3 as `Content-Disposition` (`response-content-disposition`). */
  readonly contentDisposition?: string
  /** Sent back by S3 as `Content-Type` (`response-content-type`). */
  readonly contentType?: string
  /** Sent back by S3 as `Cache-Control` (`response-cache-control`). */
  readonly cacheControl?: string
  /** When the signature's validity starts; now unless given (tests pin it). */
  readonly signingDate?: Date
}

/** A short-lived URL from which anyone holding it can GET one object; only S3 engines have it. */
export type PresignGet = (key: string, options: PresignGetOptions) => Effect.Effect<string, StorageError>

/** SigV4 allows presigned URLs to live at most a week. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600

/**
 * A presigned GET URL for one object (SigV4 query-string authentication, signed with the SDK's own
 * signer over an unsigned payload, as S3 expects for presigned URLs), for a bucket addressed at `bucket`
 * and signed for `region`.
 */
export const presignObjectUrl = async (
  target: { readonly bucket: BucketUrl; readonly region: string },
  credentials: CredentialsProvider,
  objectKey: string,
  options: PresignGetOptions
): Promise<string> => {
  const url = new URL(target.bucket.origin)
  const path = objectPath(target.bucket, objectKey)
  const query: Record<string, string> = {}
  if (options.contentDisposition !== undefined) query["response-content-disposition"] = options.contentDisposition
  if (options.contentType !== undefined) query["response-content-type"] = options.contentType
  if (options.cacheControl !== undefined) query["response-cache-control"] = options.cacheControl
  // S3 keys are signed as sent: escaped once, never twice.
  const signer = new SignatureV4({ service: "s3", region: target.region, credentials, sha256: NodeSha256, uriEscapePath: false })
  const unsigned = new Set(["x-amz-content-sha256"])
  const signed = await signer.presign({
    method: "GET",
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port === "" ? {} : { port: Number(url.port) }),
    path,
    query,
    // Only tells the signer that the payload is unsigned; it is neither signed nor sent.
    headers: { host: url.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" }
  }, {
    expiresIn: options.expiresInSeconds,
    unsignableHeaders: unsigned,
    unhoistableHeaders: unsigned,
    ...(options.signingDate === undefined ? {} : { signingDate: options.signingDate })
  })
  const search = Object.fromEntries(Object.entries(signed.query ?? {}).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : [])))
  return `${url.protocol}//${url.host}${path}?${queryString(search)}`
}

/** Checks a key and an expiry, then signs with `sign`; every failure is a StorageError. */
export const presignGetWith = (
  location: S3Location,
  sign: (objectKey: string, options: PresignGetOptions) => Promise<string>
): PresignGet => {
  const name = baseOf(location)
  const objectKey = (key: string) => (location.prefix === "" ? key : `${location.prefix}/${key}`)
  const failure = (key: string, detail: string) => new StorageFailure({ location: name, operation: "presign a download of", key, detail })
  return (key, options) =>
    Effect.gen(function*() {
      const problem = keyProblem(key)
      if (problem !== undefined) return yield* new InvalidKey({ key, reason: problem })
      const expiresIn = Math.floor(options.expiresInSeconds)
      if (!(expiresIn >= 1 && expiresIn <= MAX_PRESIGN_SECONDS)) {
        return yield* failure(key, `the expiry must be 1 to ${MAX_PRESIGN_SECONDS} seconds (got ${options.expiresInSeconds})`)
      }
      return yield* Effect.tryPromise({
        try: () => sign(objectKey(key), { ...options, expiresInSeconds: expiresIn }),
        catch: (cause) => failure(key, cause instanceof Error ? cause.message : String(cause))
      })
    })
}
