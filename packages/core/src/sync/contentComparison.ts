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
