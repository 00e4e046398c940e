import { baseOf } from "../location/MediaLocation.ts"
import type { StorageSettings } from "./StorageSettings.ts"

/** Which check whole-object reads get, for `config` and the server's startup log. */
export const readIntegrityOf = (settings: StorageSettings): string =>
  settings.engine === "local"
    ? "none beyond the file system's own (local disk)"
    : settings.s3.sse?.algorithm === "aws:kms"
    ? "CRC32 when the server stores one (SSE-KMS ETags are not MD5s), else unchecked"
    : !settings.s3.etagIsMd5
    ? "CRC32 when the server stores one, else unchecked (S3_ETAG_IS_MD5=false)"
    : "CRC32 when the server stores one, else the ETag's MD5 for single-part objects (multipart ones unchecked)"

/** The effective configuration as `name: value` rows, secrets masked; for `immich-storage config` and boot logs. */
export const describeSettings = (settings: StorageSettings): ReadonlyArray<readonly [string, string]> => {
  const common: Array<readonly [string, string]> = [
    ["engine", settings.engine],
    ["media location", baseOf(settings.location)],
    ["ignore mount check errors", String(settings.ignoreMountCheckErrors)],
    ["read integrity", readIntegrityOf(settings)]
  ]
  if (settings.engine === "local") return common
  const s3 = settings.s3
  return [
    ...common,
    ["bucket", s3.bucket],
    ["prefix", s3.prefix === "" ? "(bucket root)" : s3.prefix],
    ["region", s3.region],
    ["endpoint", s3.endpoint ?? "(AWS)"],
    ["force path style", String(s3.forcePathStyle)],
    [
      "credentials",
      s3.credentials === undefined
        ? "AWS default credential chain"
        : `access key ${s3.credentials.accessKeyId}, secret ********`
    ],
    ["transfer acceleration", String(s3.useAccelerate)],
    [
      "server-side encryption",
      s3.sse === undefined
        ? "none"
        : s3.sse.algorithm === "AES256"
        ? "AES256 (SSE-S3)"
        : `aws:kms (key ${s3.sse.kmsKeyId ?? "AWS managed"})`
    ],
    ["request checksums", s3.requestChecksums],
    ["ETag is MD5", String(s3.etagIsMd5)]
  ]
}

export const formatRows = (rows: ReadonlyArray<readonly [string, string]>): string => {
  const width = Math.max(...rows.map(([name]) => name.length))
  return rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join("\n")
}
