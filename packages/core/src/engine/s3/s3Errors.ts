import {
  AccessDenied,
  BucketNotFound,
  ObjectNotFound,
  RangeNotSatisfiable,
  StorageFailure,
  StorageUnavailable
} from "../errors.ts"
import type { StorageError } from "../errors.ts"
import type { S3Failure } from "./s3Failure.ts"

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

const TRANSIENT_STATUSES = new Set([500, 502, 503, 504])

const REGION_CODES = new Set([
  "PermanentRedirect",
  "AuthorizationHeaderMalformed",
  "IllegalLocationConstraintException"
])

const ACCESS_CODES = new Set([
  "AccessDenied",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "AllAccessDisabled",
  "KMS.AccessDeniedException"
])

export interface S3ErrorContext {
  readonly location: string
  readonly bucket: string
  readonly operation: string
  readonly key?: string | undefined
  /** Writes use SSE-KMS: a missing or forbidden KMS key is then a possible cause of an access error. */
  readonly sseKms?: boolean
}

/** Maps a failed request to a storage error, which keeps the failure as its cause. */
export const fromS3Failure = (context: S3ErrorContext, failure: S3Failure): StorageError => {
  const { code, status } = failure
  const detail = `${code}${status === undefined ? "" : ` (HTTP ${status})`}: ${failure.message}`
  const { bucket, key, location, operation } = context
  const where = key === undefined ? { cause: failure } : { key, cause: failure }

  // A 404 on a bucket-level request (no key) can only mean the bucket is missing.
  if (code === "NoSuchBucket" || (status === 404 && key === undefined)) {
    return new BucketNotFound({ bucket, cause: failure })
  }
  if ((code === "NoSuchKey" || code === "NotFound" || status === 404) && key !== undefined) {
    return new ObjectNotFound({ location, key, cause: failure })
  }
  if (code === "InvalidRange" || status === 416) {
    const size = Number(/\/(\d+)$/.exec(failure.contentRange ?? "")?.[1] ?? Number.NaN)
    return new RangeNotSatisfiable({ key: key ?? "", size, cause: failure })
  }
  if (ACCESS_CODES.has(code) || status === 403) {
    // Ceph RGW answers a write naming a KMS key it cannot find with InvalidAccessKeyId, as if the user were unknown.
    const kms = context.sseKms === true
      ? "; with SSE-KMS on, also check S3_SSE_KMS_KEY_ID (the key must exist on the server and this user may use it)"
      : code.startsWith("KMS")
      ? " and the KMS key policy"
      : ""
    return new AccessDenied({
      location,
      operation,
      ...where,
      detail: `${detail}. Check S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY (or the IAM role), the bucket policy${kms}`
    })
  }
  if (TRANSIENT_CODES.has(code) || TRANSIENT_STATUSES.has(status ?? 0) || /socket hang up/i.test(failure.message)) {
    return new StorageUnavailable({ location, operation, ...where, detail })
  }
  if (REGION_CODES.has(code) || status === 301) {
    const hint = "The bucket is in another region: set S3_REGION to the bucket's region"
    return new StorageFailure({ location, operation, ...where, detail: `${detail}. ${hint}` })
  }
  if (code === "ENOTFOUND") {
    const hint = "The S3 host name does not resolve: check S3_ENDPOINT and S3_REGION"
    return new StorageFailure({ location, operation, ...where, detail: `${detail}. ${hint}` })
  }
  return new StorageFailure({ location, operation, ...where, detail })
}
