import { crc32 } from "node:zlib"
import type { S3Settings } from "../../config/StorageSettings.ts"

/** Sockets and time limits of both transports, the lean requests and the SDK client. */
export const SOCKETS = {
  /** Sockets kept open per bucket: enough for parallel parts and many small objects at once. */
  maxSockets: 64,
  connectTimeoutMs: 10_000,
  requestTimeoutMs: 120_000
} as const

/** Each request setting once: the SDK's field and the header a lean request sends for it. */
const HEADER_OF = {
  ServerSideEncryption: "x-amz-server-side-encryption",
  SSEKMSKeyId: "x-amz-server-side-encryption-aws-kms-key-id",
  ChecksumAlgorithm: "x-amz-sdk-checksum-algorithm"
} as const

export interface SseFields {
  readonly ServerSideEncryption?: "AES256" | "aws:kms"
  readonly SSEKMSKeyId?: string
}

export interface ChecksumFields {
  readonly ChecksumAlgorithm?: "CRC32"
}

/** What every request of an engine carries, built once from its settings. */
export interface RequestSettings {
  /** The SDK's fields for a new object (PutObject, CreateMultipartUpload, CopyObject). */
  readonly sse: SseFields
  /** The SDK's fields for a body it sends (CreateMultipartUpload, UploadPart): empty unless checksums are on. */
  readonly checksum: ChecksumFields
  /** The same fields as headers of a lean single PUT. */
  readonly putHeaders: Readonly<Record<string, string>>
  /** The body's own checksum header for a lean PUT, when checksums are on. */
  readonly bodyChecksum: ((body: Uint8Array) => string) | undefined
}

const sseFieldsOf = (sse: S3Settings["sse"]): SseFields =>
  sse === undefined
    ? {}
    : sse.algorithm === "AES256"
    ? { ServerSideEncryption: "AES256" }
    : { ServerSideEncryption: "aws:kms", ...(sse.kmsKeyId === undefined ? {} : { SSEKMSKeyId: sse.kmsKeyId }) }

const headersOf = (fields: SseFields & ChecksumFields): Record<string, string> => {
  const headers: Record<string, string> = {}
  for (const name of Object.keys(HEADER_OF) as Array<keyof typeof HEADER_OF>) {
    const value = fields[name]
    if (value !== undefined) headers[HEADER_OF[name]] = value
  }
  return headers
}

/** The CRC32 of a body as S3 wants it in `x-amz-checksum-crc32`: four bytes, big-endian, in base64. */
const crc32Base64 = (body: Uint8Array): string => {
  const value = Buffer.alloc(4)
  value.writeUInt32BE(crc32(body))
  return value.toString("base64")
}

export const requestSettingsOf = (settings: S3Settings): RequestSettings => {
  const sse = sseFieldsOf(settings.sse)
  const checksum: ChecksumFields = settings.requestChecksums === "when_supported" ? { ChecksumAlgorithm: "CRC32" } : {}
  return {
    sse,
    checksum,
    putHeaders: headersOf({ ...sse, ...checksum }),
    bodyChecksum: checksum.ChecksumAlgorithm === undefined ? undefined : crc32Base64
  }
}
