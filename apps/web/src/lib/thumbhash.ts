import { thumbHashToDataURL } from "thumbhash"

const cache = new Map<string, string>()

/** The blurred placeholder of a base64 thumbhash, as a PNG data URL (decoded once per hash). */
export const placeholderOf = (thumbhash: string | null): string | undefined => {
  if (thumbhash === null || thumbhash === "") return undefined
  const known = cache.get(thumbhash)
  if (known !== undefined) return known
  try {
    const bytes = Uint8Array.from(atob(thumbhash), (c) => c.charCodeAt(0))
    const url = thumbHashToDataURL(bytes)
    cache.set(thumbhash, url)
    return url
  } catch {
    return undefined
  }
}
