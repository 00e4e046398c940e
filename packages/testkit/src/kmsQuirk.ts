import { createHash } from "node:crypto"
import type * as http from "node:http"

/**
 * A bucket whose default encryption is SSE-KMS, as AWS answers for it: every single-part object's ETag is
 * 32 hex digits that are not its body's MD5, and object answers say `x-amz-server-side-encryption: aws:kms`.
 * The test server has no KMS, so the test proxy rewrites its answers this way; a listing, which says nothing
 * of encryption, then shows ETags shaped like MD5s that are not.
 */
const notMd5 = (hex: string) => createHash("md5").update(`kms:${hex}`).digest("hex")

/** An ETag as such a bucket shows it; a multipart ETag ("…-N") is left as it is (not an MD5 either way). */
export const kmsEtag = (etag: string): string => etag.replace(/\b([0-9a-fA-F]{32})\b(?!-)/, (hex) => notMd5(hex))

/** A ListObjectsV2 answer as such a bucket sends it (the same length: every ETag keeps its 32 digits). */
export const kmsListing = (xml: string): string =>
  xml.replace(/<ETag>([^<]*)<\/ETag>/g, (_, etag: string) => `<ETag>${kmsEtag(etag)}</ETag>`)

/** An object answer's headers as such a bucket sends them. */
export const kmsHeaders = (headers: http.IncomingHttpHeaders): http.IncomingHttpHeaders =>
  typeof headers.etag === "string"
    ? { ...headers, etag: kmsEtag(headers.etag), "x-amz-server-side-encryption": "aws:kms" }
    : headers
