/** A requested byte range: `start`..`end` inclusive (open-ended without `end`), or the last `suffixLength` bytes. */
export type ByteRange =
  | { readonly start: number; readonly end?: number }
  | { readonly suffixLength: number }

/** A range resolved against an object's size: inclusive bounds, always inside the object. */
export interface ResolvedRange {
  readonly start: number
  readonly end: number
}

/**
 * Resolves a range as HTTP does (RFC 9110 §14.1.2): an end past the object is clamped, a suffix longer
 * than the object means the whole object. Undefined when nothing of the object is selected.
 */
export const resolveRange = (range: ByteRange, size: number): ResolvedRange | undefined => {
  if ("suffixLength" in range) {
    if (!Number.isSafeInteger(range.suffixLength) || range.suffixLength <= 0 || size === 0) return undefined
    return { start: Math.max(0, size - range.suffixLength), end: size - 1 }
  }
  const { start } = range
  const end = range.end === undefined ? size - 1 : Math.min(range.end, size - 1)
  if (!Number.isSafeInteger(start) || start < 0 || start >= size) return undefined
  if (range.end !== undefined && (!Number.isSafeInteger(range.end) || range.end < start)) return undefined
  return { start, end }
}

/** The `Range` header value for a request. */
export const rangeHeader = (range: ByteRange): string =>
  "suffixLength" in range ? `bytes=-${range.suffixLength}` : `bytes=${range.start}-${range.end ?? ""}`

/** Parses `Content-Range: bytes 0-9/123`; undefined when absent or malformed. */
export const parseContentRange = (
  header: string | undefined
): { readonly start: number; readonly end: number; readonly size: number } | undefined => {
  const match = header === undefined ? null : /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header.trim())
  if (match === null) return undefined
  return { start: Number(match[1]), end: Number(match[2]), size: Number(match[3]) }
}
