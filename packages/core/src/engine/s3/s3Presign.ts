import { SignatureV4 } from "@smithy/signature-v4"
import * as Effect from "effect/Effect"
import { StorageFailure } from "../errors.ts"
import { checkKey } from "../keyFront.ts"
import type { PresignerShape, PresignGetOptions } from "../Presigner.ts"
import { NodeSha256 } from "./nodeSha256.ts"
import type { BucketUrl } from "./s3Endpoint.ts"
import { objectPath, queryString } from "./s3Endpoint.ts"
import type { S3Transport } from "./s3Transport.ts"
import type { CredentialsProvider } from "./s3Wire.ts"

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
  const signer = new SignatureV4({
    service: "s3",
    region: target.region,
    credentials,
    sha256: NodeSha256,
    uriEscapePath: false
  })
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
  const search = Object.fromEntries(
    Object.entries(signed.query ?? {}).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : []))
  )
  return `${url.protocol}//${url.host}${path}?${queryString(search)}`
}

/** The Presigner of an S3 engine: checks the key and the expiry, then signs locally (nothing is sent). */
export const makeS3Presigner = (transport: S3Transport): PresignerShape => {
  const failure = (key: string, detail: string, cause?: unknown) =>
    new StorageFailure({ location: transport.name, operation: "presign a download of", key, detail, cause })
  const presignGet = (key: string, options: PresignGetOptions) =>
    Effect.gen(function*() {
      const valid = yield* checkKey(key)
      const expiresIn = Math.floor(options.expiresInSeconds)
      if (!(expiresIn >= 1 && expiresIn <= MAX_PRESIGN_SECONDS)) {
        return yield* failure(
          key,
          `the expiry must be 1 to ${MAX_PRESIGN_SECONDS} seconds (got ${options.expiresInSeconds})`
        )
      }
      const { region, url } = yield* transport.target
      const credentials = yield* transport.credentials
      const signed = { ...options, expiresInSeconds: expiresIn }
      return yield* Effect.tryPromise({
        try: () => presignObjectUrl({ bucket: url, region }, credentials, transport.objectKey(valid), signed),
        catch: (cause) => failure(key, cause instanceof Error ? cause.message : String(cause), cause)
      })
    })
  return { presignGet }
}
