import { DIGEST_KINDS } from "../engine/digests.ts"
import type { DigestKind, ObjectDigests } from "../engine/digests.ts"

/** How `--checksum` compares one file on two sides: which digest, and which sides must be read for it. */
export interface ContentComparison {
  readonly kind: DigestKind
  readonly readSource: boolean
  readonly readDestination: boolean
}

/**
 * The cheapest strong comparison: a digest both sides know without reading (an MD5 ETag, a stored CRC32);
 * else one that one side knows, computed by reading the other; else both sides read, compared by MD5.
 */
export const comparisonFor = (
  source: ObjectDigests | undefined,
  destination: ObjectDigests | undefined
): ContentComparison => {
  const known = (digests: ObjectDigests | undefined, kind: DigestKind) => digests?.[kind] !== undefined
  const both = DIGEST_KINDS.find((kind) => known(source, kind) && known(destination, kind))
  if (both !== undefined) return { kind: both, readSource: false, readDestination: false }
  const sourceOnly = DIGEST_KINDS.find((kind) => known(source, kind))
  if (sourceOnly !== undefined) return { kind: sourceOnly, readSource: false, readDestination: true }
  const destinationOnly = DIGEST_KINDS.find((kind) => known(destination, kind))
  if (destinationOnly !== undefined) return { kind: destinationOnly, readSource: true, readDestination: false }
  return { kind: "md5", readSource: true, readDestination: true }
}

/** What one side's listing says of a file's content, and how more is learnt. */
export interface ListedSide {
  /** The MD5 the listing claims (an S3 ETag shaped like one, where the settings trust ETags at all). */
  readonly md5: string | undefined
  /** Local disk: a file's digests are learnt by reading it; object storage answers a HEAD instead. */
  readonly local: boolean
}

/**
 * The first step of `--checksum`, from the listings alone: the same MD5 claimed on both sides is proof
 * of the same content; a claim on one side is checked against the MD5 of the other, local, side, read
 * for it; otherwise (no claim, or two claims that differ) the listings decide nothing and the exact
 * comparison (`comparisonFor`, after a HEAD) takes over. A claim that does not match proves nothing: an
 * ETag shaped like an MD5 may not be one (SSE-KMS by bucket default), so a mismatch goes the exact way too.
 */
export type ListedCheck =
  | { readonly _tag: "Same" }
  | { readonly _tag: "HashLocal"; readonly side: "source" | "destination"; readonly md5: string }
  | { readonly _tag: "Exact" }

export const listedCheck = (source: ListedSide, destination: ListedSide): ListedCheck => {
  if (source.md5 !== undefined && source.md5 === destination.md5) return { _tag: "Same" }
  if (source.md5 !== undefined && destination.local) return { _tag: "HashLocal", side: "destination", md5: source.md5 }
  if (destination.md5 !== undefined && source.local) return { _tag: "HashLocal", side: "source", md5: destination.md5 }
  return { _tag: "Exact" }
}
