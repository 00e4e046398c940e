import { AccessDenied, BucketNotFound, ObjectNotFound, RangeNotSatisfiable, StorageFailure, StorageUnavailable } from "../errors.ts"
import type { StorageError } from "../errors.ts"

interface SdkErrorLike {
  readonly name?: string
  readonly code?: string
  readonly message?: string
  readonly $metadata?: { readonly httpStatusCode?: number }
  readonly $response?: { readonly headers?: Record<string, string | undefined> }
}

const TRANSIENT_CODES = new Set([
  "SlowDown",
  "ServiceUnavailable",
  "InternalError",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  "ThrottlingException",
  "Throttling",
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH"
])

const ACCESS_CODES = new Set(["AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled", "KMS.AccessDeniedException"])

export interface S3ErrorContext {
  readonly location: string
  readonly bucket: string
  readonly operation: string
  readonly key?: string | undefined
  /** Writes use SSE-KMS: a missing or forbidden KMS key is then a possible cause of an access error. */
  readonly sseKms?: boolean
}

/** Maps anything the SDK (or the socket under it) throws to a storage error. */
export const fromS3Error = (context: S3ErrorContext) => (cause: unknown): StorageError => {
  const error = (cause ?? {}) as SdkErrorLike
  const code = error.code ?? error.name ?? "Unknown"
  const status = error.$metadata?.httpStatusCode
  const detail = `${code}${status === undefined ? "" : ` (HTTP ${status})`}: ${error.message ?? String(cause)}`
  const { bucket, key, location, operation } = context
  const where = key === undefined ? {} : { key }

  // A 404 on a bucket-level request (no key) can only mean the bucket is missing.
  if (code === "NoSuchBucket" || (status === 404 && key === undefined)) return new BucketNotFound({ bucket })
  if ((code === "NoSuchKey" || code === "NotFound" || status === 404) && key !== undefined) return new ObjectNotFound({ location, key })
  if (code === "InvalidRange" || status === 416) {
    const size = Number(/\/(\d+)$/.exec(error.$response?.headers?.["content-range"] ?? "")?.[1] ?? Number.NaN)
    return new RangeNotSatisfiable({ key: key ?? "", size })
  }
  if (ACCESS_CODES.has(code) || status === 403) {
    // Ceph RGW answers a write naming a KMS key it cannot find with InvalidAccessKeyId, as if the user were unknown.
    const kms = context.sseKms === true
      ? "; with SSE-KMS on, also check S3_SSE_KMS_KEY_ID (the key must exist on the server and this user may use it)"
      : code.startsWith("KMS") ? " and the KMS key policy" : ""
    return new AccessDenied({
      location,
      operation,
      ...where,
      detail: `${detail}. Check S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY (or the IAM role), the bucket policy${kms}`
    })
  }
  if (TRANSIENT_CODES.has(code) || status === 500 || status === 502 || status === 503 || status === 504 || /socket hang up/i.test(error.message ?? "")) {
    return new StorageUnavailable({ location, operation, ...where, detail })
  }
  if (code === "PermanentRedirect" || code === "AuthorizationHeaderMalformed" || code === "IllegalLocationConstraintException" || status === 301) {
    return new StorageFailure({ location, operation, ...where, detail: `${detail}. The bucket is in another region: set S3_REGION to the bucket's region` })
  }
  if (code === "ENOTFOUND") {
    return new StorageFailure({ location, operation, ...where, detail: `${detail}. The S3 host name does not resolve: check S3_ENDPOINT and S3_REGION` })
  }
  return new StorageFailure({ location, operation, ...where, detail })
}
