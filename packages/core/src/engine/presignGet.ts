import type { S3Client } from "@aws-sdk/client-s3"
import { SignatureV4 } from "@smithy/signature-v4"
import type { HttpRequest } from "@smithy/types"
import { Effect } from "effect"
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

/** RFC 3986 unreserved characters stay; everything else is percent-encoded, as SigV4 expects. */
const escapeUri = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

interface AuthScheme {
  readonly name?: string
  readonly signingName?: string
  readonly signingRegion?: string
}

/**
 * Presigned GET URLs signed with the SDK's own SigV4 signer and the client's own credentials, region and
 * endpoint rules: the object URL comes from the client's endpoint provider, so path-style, virtual-hosted
 * and accelerated addressing (and buckets with dots) come out exactly as the SDK would address them.
 */
export const makePresignGet = (client: S3Client, location: S3Location, settings: S3Settings): PresignGet => {
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
        try: async () => {
          const config = client.config
          const region = await config.region()
          const endpoint = config.endpointProvider({
            Bucket: location.bucket,
            Region: region,
            ForcePathStyle: settings.forcePathStyle,
            Accelerate: settings.useAccelerate,
            UseFIPS: false,
            UseDualStack: false,
            ...(settings.endpoint === undefined ? {} : { Endpoint: settings.endpoint })
          })
          const scheme = ((endpoint.properties?.["authSchemes"] ?? []) as ReadonlyArray<AuthScheme>).find((s) => s.name === "sigv4")
          const url = endpoint.url
          const basePath = url.pathname.replace(/\/+$/, "")
          const path = `${basePath}/${objectKey(key).split("/").map(escapeUri).join("/")}`
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
            // S3 signs presigned URLs over an unsigned payload; the header only tells the signer so.
            headers: { host: url.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" }
          }
          const signer = new SignatureV4({
            service: scheme?.signingName ?? "s3",
            region: scheme?.signingRegion ?? region,
            credentials: config.credentials,
            sha256: config.sha256,
            // S3 keys are signed as sent: already escaped once, never twice.
            uriEscapePath: false
          })
          const unsigned = new Set(["x-amz-content-sha256"])
          const signed = await signer.presign(request, {
            expiresIn,
            unsignableHeaders: unsigned,
            unhoistableHeaders: unsigned,
            ...(options.signingDate === undefined ? {} : { signingDate: options.signingDate })
          })
          const search = Object.entries(signed.query ?? {})
            .flatMap(([k, v]) => (v === null || v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((one) => `${escapeUri(k)}=${escapeUri(String(one))}`)))
            .join("&")
          return `${url.protocol}//${url.host}${path}?${search}`
        },
        catch: (cause) => failure(key, cause instanceof Error ? cause.message : String(cause))
      })
    })
}
