import type * as Redacted from "effect/Redacted"
import type { LocalLocation, S3Location } from "../location/MediaLocation.ts"

/** The validated storage configuration: what every other module is given instead of the environment. */
export type StorageSettings = LocalSettings | S3StorageSettings

interface CommonSettings {
  /** Turn missing-marker errors at boot into log lines (Immich's `IMMICH_IGNORE_MOUNT_CHECK_ERRORS`). */
  readonly ignoreMountCheckErrors: boolean
}

export interface LocalSettings extends CommonSettings {
  readonly engine: "local"
  readonly location: LocalLocation
}

export interface S3StorageSettings extends CommonSettings {
  readonly engine: "s3"
  readonly location: S3Location
  readonly s3: S3Settings
}

export interface S3Settings {
  readonly bucket: string
  readonly prefix: string
  readonly region: string
  /** A custom endpoint (MinIO and other S3-compatible servers); undefined for AWS. */
  readonly endpoint: string | undefined
  readonly forcePathStyle: boolean
  /** Undefined: the AWS default credential chain (environment, profile, IAM role). */
  readonly credentials: S3Credentials | undefined
  readonly useAccelerate: boolean
  readonly sse: ServerSideEncryption | undefined
  /** When the SDK adds request checksums; several S3-compatible servers mishandle `when_supported`. */
  readonly requestChecksums: RequestChecksums
  /**
   * Whether a single-part object's ETag (without SSE-KMS or SSE-C) is taken for its MD5, to check reads and
   * compare by `--checksum`: true on AWS, MinIO and Ceph RGW; false for a server whose ETags are not MD5s.
   */
  readonly etagIsMd5: boolean
}

export interface S3Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: Redacted.Redacted<string>
}

export type ServerSideEncryption =
  | { readonly algorithm: "AES256" }
  | { readonly algorithm: "aws:kms"; readonly kmsKeyId: string | undefined }

export const REQUEST_CHECKSUMS = ["when_supported", "when_required"] as const
export type RequestChecksums = typeof REQUEST_CHECKSUMS[number]
