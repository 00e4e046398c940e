import type { ObjectDigests } from "../digests.ts"

type Headers = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

/** The object's CRC32 as S3 reports it for whole reads; composite (multipart, "…-N") values are not comparable. */
const fullObjectCrc32 = (headers: Headers): number | undefined => {
  const value = headers["x-amz-checksum-crc32"]
  if (typeof value !== "string" || value.includes("-")) return undefined
  const bytes = Buffer.from(value, "base64")
  return bytes.length === 4 ? bytes.readUInt32BE(0) : undefined
}

const HEX_32 = /^[0-9a-fA-F]{32}$/

/**
 * The MD5 an ETag is, if it has the shape of one: 32 hex digits, quoted or not (a multipart ETag ends in
 * "-<parts>"). Without a capturing match: a large listing asks this of every object.
 */
export const md5OfEtag = (etag: string | undefined): string | undefined => {
  if (etag === undefined) return undefined
  const text = etag.trim()
  const start = text.startsWith("\"") ? 1 : 0
  const end = text.length > start && text.endsWith("\"") ? text.length - 1 : text.length
  if (end - start !== 32) return undefined
  const hex = text.slice(start, end)
  return HEX_32.test(hex) ? hex.toLowerCase() : undefined
}

/** How far an object's ETag may be taken for its MD5. */
export interface EtagTrust {
  /** `S3_ETAG_IS_MD5`: false for a server whose ETags are never MD5s. */
  readonly etagIsMd5: boolean
  /** Our writes use SSE-KMS: then a server that does not echo the encryption header is not trusted either. */
  readonly kmsConfigured: boolean
}

/**
 * Whether an object's ETag is its body's MD5: on AWS, MinIO and Ceph RGW it is for single-part objects,
 * unless they are encrypted with SSE-KMS or SSE-C (their ETags are not MD5s).
 */
const etagIsMd5 = (headers: Headers, trust: EtagTrust): boolean => {
  const sse = headers["x-amz-server-side-encryption"]
  const kms = typeof sse === "string" && sse.startsWith("aws:kms")
  const sseC = headers["x-amz-server-side-encryption-customer-algorithm"] !== undefined
  return trust.etagIsMd5 && !trust.kmsConfigured && !kms && !sseC
}

/**
 * The MD5 a listed ETag claims to be, where the settings allow ETags to be taken for MD5s at all. A listing
 * does not say how each object is encrypted, so the claim is weaker than `s3Digests`': an object that
 * SSE-KMS encrypted by bucket default has an ETag shaped like an MD5 that is not one. A match with another
 * MD5 still proves the same content (no ETag matches an MD5 of other bytes by chance); a mismatch proves
 * nothing, and the caller asks again the way `stat` does.
 */
export const listedMd5 = (etag: string | undefined, trust: EtagTrust): string | undefined =>
  trust.etagIsMd5 && !trust.kmsConfigured ? md5OfEtag(etag) : undefined

/** What a GET's or HEAD's headers say of the object's content. */
export const s3Digests = (headers: Headers, trust: EtagTrust): ObjectDigests => {
  const crc32 = fullObjectCrc32(headers)
  const etag = headers["etag"]
  const md5 = etagIsMd5(headers, trust) && typeof etag === "string" ? md5OfEtag(etag) : undefined
  return { ...(crc32 === undefined ? {} : { crc32 }), ...(md5 === undefined ? {} : { md5 }) }
}
