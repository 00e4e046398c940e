import * as Redacted from "effect/Redacted"
import { normaliseS3Prefix, s3PrefixProblem } from "../location/MediaLocation.ts"
import { bucketNameProblem } from "./bucketName.ts"
import { asBoolean, asChoice, asText, decoded, envVariable, refused } from "./envVariable.ts"
import { REQUEST_CHECKSUMS } from "./StorageSettings.ts"

export const DEFAULT_S3_REGION = "us-east-1"

const endpointProblem = (endpoint: string): string | undefined => {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return `"${endpoint}" is not a URL; use e.g. http://127.0.0.1:9000 or https://s3.example.com`
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return `"${endpoint}" must start with http:// or https://`
  }
  if (url.username !== "" || url.password !== "") {
    return "must not contain credentials; put them in S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY"
  }
  if (url.search !== "" || url.hash !== "") return `"${endpoint}" must not have a query or fragment`
  return undefined
}

/** A bucket name, checked against S3's naming rules (a bucket given on the command line too). */
export const asBucketName = (bucket: string) => {
  const problem = bucketNameProblem(bucket)
  return problem === undefined ? decoded(bucket) : refused(`"${bucket}" is not a valid bucket name: it ${problem}`)
}

/** The S3 variables: read with IMMICH_STORAGE_ENGINE=s3, and for any s3:// location the CLI is given. */
export const s3Variables = {
  bucket: envVariable({
    name: "S3_BUCKET",
    default: undefined,
    defaultDoc: "— (required with `s3`)",
    description: "Bucket name, checked against the S3 naming rules.",
    secret: false,
    decode: asBucketName
  }),
  region: envVariable({
    name: "S3_REGION",
    default: DEFAULT_S3_REGION,
    description: "The bucket's region.",
    secret: false,
    decode: (region) =>
      /^[a-z0-9-]+$/.test(region)
        ? decoded(region)
        : refused(`"${region}" is not a region name such as us-east-1 or eu-central-1`)
  }),
  prefix: envVariable({
    name: "S3_PREFIX",
    default: undefined,
    defaultDoc: "none (bucket root)",
    description: "Key prefix, e.g. `immich` → `s3://bucket/immich/upload/…`. Surrounding slashes are trimmed; empty, " +
      "`.` and `..` segments are refused.",
    secret: false,
    decode: (prefix) => {
      const problem = s3PrefixProblem(prefix)
      return problem === undefined
        ? decoded(normaliseS3Prefix(prefix))
        : refused(`"${prefix}" ${problem}; use a path like immich or photos/immich`)
    }
  }),
  endpoint: envVariable({
    name: "S3_ENDPOINT",
    default: undefined,
    defaultDoc: "AWS",
    description: "Endpoint of an S3-compatible server (`http(s)://host:port`), e.g. MinIO. Must not contain " +
      "credentials.",
    secret: false,
    decode: (endpoint) => {
      const problem = endpointProblem(endpoint)
      return problem === undefined ? decoded(endpoint.replace(/\/+$/, "")) : refused(problem)
    }
  }),
  forcePathStyle: envVariable({
    name: "S3_FORCE_PATH_STYLE",
    default: "false",
    description: "Path-style addressing (`http://host/bucket/key`), needed by most MinIO setups. " +
      "`true`/`false`/`1`/`0`.",
    secret: false,
    decode: asBoolean
  }),
  accessKeyId: envVariable({
    name: "S3_ACCESS_KEY_ID",
    default: undefined,
    defaultDoc: "—",
    description: "Access key. Set it together with the secret, or neither of them to use the AWS default credential " +
      "chain (environment, profile, IAM role).",
    secret: false,
    decode: asText
  }),
  secretAccessKey: envVariable({
    name: "S3_SECRET_ACCESS_KEY",
    default: undefined,
    defaultDoc: "—",
    description: "Secret key. Kept `Redacted`: it never appears in output, logs or errors.",
    secret: true,
    decode: (secret) => decoded(Redacted.make(secret))
  }),
  useAccelerate: envVariable({
    name: "S3_USE_ACCELERATE",
    default: "false",
    description: "S3 Transfer Acceleration. AWS only: refused with `S3_ENDPOINT` or `S3_FORCE_PATH_STYLE`, or a " +
      "bucket name with dots.",
    secret: false,
    decode: asBoolean
  }),
  sse: envVariable({
    name: "S3_SSE",
    default: undefined,
    defaultDoc: "none",
    description: "Server-side encryption on every write (single put, multipart, copy): `AES256` (SSE-S3) or " +
      "`aws:kms` (SSE-KMS).",
    secret: false,
    decode: asChoice(["AES256", "aws:kms"], "is not supported", "use AES256 (SSE-S3) or aws:kms (SSE-KMS)", false)
  }),
  sseKmsKeyId: envVariable({
    name: "S3_SSE_KMS_KEY_ID",
    default: undefined,
    defaultDoc: "AWS managed key",
    description: "KMS key for `S3_SSE=aws:kms`; refused with any other `S3_SSE`.",
    secret: false,
    decode: asText
  }),
  requestChecksums: envVariable({
    name: "S3_REQUEST_CHECKSUMS",
    // Depends on S3_ENDPOINT: the parser applies it.
    default: undefined,
    defaultDoc: "`when_supported` on AWS, `when_required` with `S3_ENDPOINT`",
    description: "When the AWS SDK adds request checksums. `when_supported` sends CRC32 with every upload; several " +
      "S3-compatible servers mishandle that, so custom endpoints default to `when_required`.",
    secret: false,
    decode: asChoice(REQUEST_CHECKSUMS, "is not a checksum mode", "use when_supported or when_required")
  }),
  etagIsMd5: envVariable({
    name: "S3_ETAG_IS_MD5",
    // True unless set: a server whose ETags are not MD5s says so by failing reads, and `check-s3` names it.
    default: "true",
    description: "Take a single-part object's ETag (without SSE-KMS or SSE-C) for the body's MD5: whole reads are " +
      "checked against it when no CRC32 is stored, and `--checksum` compares by it. True on AWS, MinIO " +
      "and Ceph RGW; set `false` for a server whose ETags are not MD5s (`check-s3` tells).",
    secret: false,
    decode: asBoolean
  })
}
