/**
 * Immich's uploaders send SHA-1 checksums as 40 hex digits or as 28 base64 characters. Returns the 20
 * raw bytes, or undefined for anything else.
 */
export const parseSha1 = (text: string): Buffer | undefined => {
  if (/^[0-9a-fA-F]{40}$/.test(text)) return Buffer.from(text, "hex")
  if (/^[A-Za-z0-9+/]{27}=$/.test(text)) {
    const bytes = Buffer.from(text, "base64")
    return bytes.length === 20 ? bytes : undefined
  }
  return undefined
}
