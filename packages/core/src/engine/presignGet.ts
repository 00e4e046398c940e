import type { S3Client } from "@aws-sdk/client-s3"
import { SignatureV4 } from "@smithy/signature-v4"
import type { HttpRequest } from "@smithy/types"
import * as Effect from "effect/Effect"
import { createHash, createHmac } from "node:crypto"
import type { Hash, Hmac } from "node:crypto"
import type { S3Settings } from "../config/StorageSettings.ts"
import type { S3Location } from "../location/MediaLocation.ts"
import { baseOf } from "../location/MediaLocation.ts"
import { keyProblem } from "../location/StorageKey.ts"
import { InvalidKey, StorageFailure } from "./errors.ts"
import type { StorageError } from "./errors.ts"

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

/** Where a bucket's objects are addressed, and the region requests to it are signed for. */
export interface PresignTarget {
  /** `scheme://host[:port]` */
  readonly origin: string
  /** The path object keys are appended to ("" or "/bucket"), without a trailing slash. */
  readonly path: string
  readonly region: string
}

export interface PresignCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

/** RFC 3986 unreserved characters stay; everything else is percent-encoded, as SigV4 expects. */
const escapeUri = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/** node:crypto behind the hash interface the signer takes. */
class NodeSha256 {
  readonly #secret: string | Uint8Array | undefined
  #hash: Hash | Hmac
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#secret = secret === undefined || typeof secret === "string"
      ? secret
      : ArrayBuffer.isView(secret)
      ? new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength)
      : new Uint8Array(secret)
    this.#hash = this.#fresh()
  }
  #fresh(): Hash | Hmac {
    return this.#secret === undefined ? createHash("sha256") : createHmac("sha256", this.#secret)
  }
  update(data: string | Uint8Array): void {
    this.#hash.update(data)
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.#hash.digest())
  }
  reset(): void {
    this.#hash = this.#fresh()
  }
}

/**
 * A presigned GET URL for one object (SigV4 query-string authentication, signed with the SDK's own
 * signer over an unsigned payload, as S3 expects for presigned URLs). Independent of how the bucket was
 * addressed: the caller passes the bucket's URL and signing region, and its credentials.
 */
export const presignObjectUrl = async (
  target: PresignTarget,
  credentials: () => Promise<PresignCredentials>,
  objectKey: string,
  options: PresignGetOptions
): Promise<string> => {
  const url = new URL(target.origin)
  const path = `${target.path}/${objectKey.split("/").map(escapeUri).join("/")}`
  const query: Record<string, string> = {}
  if (options.contentDisposition !== undefined) query["response-content-disposition"] = options.contentDisposition
  if (options.contentType !== undefined) query["response-content-type"] = options.contentType
  if (options.cacheControl !== undefined) query["response-cache-control"] = options.cacheControl
  const request: HttpRequest = {
    method: "GET",
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port === "" ? {} : { port: Number(url.port) }),
    path,
    query,
    // Only tells the signer that the payload is unsigned; it is neither signed nor sent.
    headers: { host: url.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" }
  }
  // S3 keys are signed as sent: escaped once, never twice.
  const signer = new SignatureV4({ service: "s3", region: target.region, credentials, sha256: NodeSha256, uriEscapePath: false })
  const unsigned = new Set(["x-amz-content-sha256"])
  const signed = await signer.presign(request, {
    expiresIn: options.expiresInSeconds,
    unsignableHeaders: unsigned,
    unhoistableHeaders: unsigned,
    ...(options.signingDate === undefined ? {} : { signingDate: options.signingDate })
  })
  const search = Object.entries(signed.query ?? {})
    .flatMap(([k, v]) => (v === null || v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((one) => `${escapeUri(k)}=${escapeUri(String(one))}`)))
    .join("&")
  return `${url.protocol}//${url.host}${path}?${search}`
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

interface AuthScheme {
  readonly name?: string
  readonly signingRegion?: string
}

/**
 * Presigned GETs for an S3 engine built on the SDK client: the bucket's URL and signing region come from
 * the client's own endpoint rules (so path-style, virtual-hosted and accelerated addressing, and buckets
 * with dots, come out as the SDK addresses them), the credentials from its credential chain.
 */
export const makePresignGet = (client: S3Client, location: S3Location, settings: S3Settings): PresignGet =>
  presignGetWith(location, async (objectKey, options) => {
    const region = await client.config.region()
    const endpoint = client.config.endpointProvider({
      Bucket: location.bucket,
      Region: region,
      ForcePathStyle: settings.forcePathStyle,
      Accelerate: settings.useAccelerate,
      UseFIPS: false,
      UseDualStack: false,
      ...(settings.endpoint === undefined ? {} : { Endpoint: settings.endpoint })
    })
    const scheme = ((endpoint.properties?.["authSchemes"] ?? []) as ReadonlyArray<AuthScheme>).find((s) => s.name === "sigv4")
    const target: PresignTarget = {
      origin: endpoint.url.origin,
      path: endpoint.url.pathname.replace(/\/+$/, ""),
      region: scheme?.signingRegion ?? region
    }
    return presignObjectUrl(target, () => client.config.credentials(), objectKey, options)
  })
