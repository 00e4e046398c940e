import type { ByteRange } from "@immich-storage/core"

/**
 * Parses a `Range` request header (RFC 9110 §14.2) into one byte range. Anything this server does not
 * serve as a range — a missing or malformed header, another unit, several ranges — yields undefined, and
 * the whole representation is sent with 200, as the RFC allows.
 */
export const parseRangeHeader = (header: string | undefined): ByteRange | undefined => {
  if (header === undefined) return undefined
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header)
  if (match === null) return undefined
  const [, first = "", last = ""] = match
  if (first === "" && last === "") return undefined
  if (first === "") {
    const suffixLength = Number(last)
    return Number.isSafeInteger(suffixLength) ? { suffixLength } : undefined
  }
  const start = Number(first)
  if (!Number.isSafeInteger(start)) return undefined
  if (last === "") return { start }
  const end = Number(last)
  // "bytes=5-2" is syntactically invalid: the header is ignored.
  if (!Number.isSafeInteger(end) || end < start) return undefined
  return { start, end }
}

/** `Content-Range` of a partial response. */
export const contentRange = (start: number, end: number, size: number): string => `bytes ${start}-${end}/${size}`

/** `Content-Range` of a 416 answer: the current length, when known. */
export const unsatisfiedRange = (size: number): string | undefined =>
  Number.isSafeInteger(size) && size >= 0 ? `bytes */${size}` : undefined
