/** How Immich lets clients cache originals and generated images: private, a day, never re-encoded. */
export const CACHE_CONTROL_PRIVATE = "private, max-age=86400, no-transform"

/**
 * `Content-Disposition` with the RFC 8187 encoding Immich uses (`inline; filename*=UTF-8''…`), so that
 * names with spaces, quotes or non-ASCII letters reach the browser intact and cannot break the header.
 */
export const contentDisposition = (fileName: string, type: "inline" | "attachment" = "inline"): string =>
  `${type}; filename*=UTF-8''${encodeRfc8187(fileName)}`

/** Percent-encodes everything but RFC 8187's attr-char set. */
export const encodeRfc8187 = (value: string): string =>
  encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/** A strong entity tag for content identified by its digest. */
export const strongEtag = (digestHex: string): string => `"${digestHex}"`

/**
 * Does `If-None-Match` match `etag`? Weak comparison (RFC 9110 §13.1.2): `W/` prefixes are ignored,
 * `*` matches anything, and the header may list several tags.
 */
export const ifNoneMatchHits = (header: string | undefined, etag: string): boolean => {
  if (header === undefined) return false
  if (header.trim() === "*") return true
  const opaque = (tag: string) => tag.trim().replace(/^W\//, "")
  return header.split(",").some((tag) => opaque(tag) === opaque(etag))
}
