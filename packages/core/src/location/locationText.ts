/** The one scheme a location may have; every other is refused rather than taken for a folder name. */
export const S3_SCHEME = "s3://"

/** `s3` followed by something that is not exactly `://`: `S3://`, `s3:/`, `s3:bucket`, `s3//`, `s3:\`. */
const MISTYPED_S3 = /^\s*s3\s*(?::[:/\\]*|\/\/+|\\\\+)/i
/** A URL scheme (RFC 3986): a letter, then letters, digits, `+`, `-` or `.`, then `:`. */
const URL_SCHEME = /^([a-z][a-z0-9+.-]*):/i

const safeDecode = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** A path-style URL of an S3 server, read as `S3_ENDPOINT` plus `s3://<bucket>/<prefix>`. */
const httpHint = (text: string): string => {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return "an S3 server's address goes in S3_ENDPOINT, and the location is s3://<bucket>/<prefix>"
  }
  const rest = url.pathname.replace(/^\/+|\/+$/g, "")
  const location = rest === "" ? `${S3_SCHEME}<bucket>/<prefix>` : `${S3_SCHEME}${safeDecode(rest)}`
  return `did you mean ${location} with S3_ENDPOINT=${url.origin} (and S3_FORCE_PATH_STYLE=true)?`
}

/**
 * Why `text` cannot be a location because of how it begins, or undefined. Only exactly `s3://` is a
 * remote location: any other URL scheme, and anything that looks like a mistyped `s3://`, would
 * otherwise be taken for a local folder (`http:/example.com/x` below the working directory).
 */
export const locationSchemeProblem = (text: string): string | undefined => {
  if (text.startsWith(S3_SCHEME) && !text.startsWith(`${S3_SCHEME}/`)) return undefined
  const mistyped = MISTYPED_S3.exec(text)
  if (mistyped !== null) {
    const rest = text.slice(mistyped[0].length)
    const suggestion = rest === "" ? "<bucket>/<prefix>" : rest
    return `"${text}" looks like a mistyped S3 location: did you mean ${S3_SCHEME}${suggestion}? ` +
      `(it starts with exactly "${S3_SCHEME}", in lower case)`
  }
  const scheme = URL_SCHEME.exec(text)?.[1]
  if (scheme === undefined) return undefined
  const lower = scheme.toLowerCase()
  const hint = lower === "http" || lower === "https"
    ? httpHint(text)
    : lower === "file"
    ? `did you mean the folder ${text.replace(/^file:(\/\/[^/]*)?/i, "") || "/"}?`
    : `a location is a local folder or ${S3_SCHEME}<bucket>/<prefix>; ` +
      `for a local folder whose name has a ':', write ./${text}`
  return `"${text}" is a URL (${scheme}:), which is neither a local folder nor an S3 location: ${hint}`
}
