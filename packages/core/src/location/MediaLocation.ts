import * as path from "node:path"
import { locationSchemeProblem, S3_SCHEME } from "./locationText.ts"

/**
 * Where the media lives. The database stores absolute paths: `<base>/<key>`, where the base is
 * a local folder (`/data`) or a bucket and prefix (`s3://bucket/prefix`). This module is the one
 * place that converts between keys, stored paths and bases.
 */
export type MediaLocation = LocalLocation | S3Location

export interface LocalLocation {
  readonly _tag: "Local"
  /** Absolute, normalised, no trailing slash, never the filesystem root. */
  readonly root: string
}

export interface S3Location {
  readonly _tag: "S3"
  readonly bucket: string
  /** Normalised: no leading or trailing slash; "" for the bucket root. */
  readonly prefix: string
}

export { S3_SCHEME }

export const localLocation = (root: string): LocalLocation => ({ _tag: "Local", root })
export const s3Location = (bucket: string, prefix: string): S3Location => ({ _tag: "S3", bucket, prefix })

/** The string stored in the database as the prefix of every managed path. */
export const baseOf = (location: MediaLocation): string =>
  location._tag === "Local"
    ? location.root
    : location.prefix === ""
    ? `${S3_SCHEME}${location.bucket}`
    : `${S3_SCHEME}${location.bucket}/${location.prefix}`

/** Why `prefix` cannot be an S3 prefix, or undefined. Leading and trailing slashes are trimmed first. */
export const s3PrefixProblem = (prefix: string): string | undefined => {
  const trimmed = trimSlashes(prefix)
  if (trimmed === "") return undefined
  if (trimmed.includes("\0")) return "contains a NUL character"
  for (const segment of trimmed.split("/")) {
    if (segment === "") return "has an empty segment (a doubled '/')"
    if (segment === "." || segment === "..") return `has a '${segment}' segment`
  }
  return undefined
}

export const normaliseS3Prefix = (prefix: string): string => trimSlashes(prefix)

const trimSlashes = (s: string): string => s.replace(/^\/+/, "").replace(/\/+$/, "")

/**
 * Parses a stored base (`/data`, `s3://bucket/prefix`). Returns a reason when the text is not one.
 * Used for bases read back from the database and given on the command line.
 */
export const parseBase = (base: string): MediaLocation | string => {
  const schemeProblem = locationSchemeProblem(base)
  if (schemeProblem !== undefined) return schemeProblem
  if (base.startsWith(S3_SCHEME)) {
    const rest = base.slice(S3_SCHEME.length)
    const slash = rest.indexOf("/")
    const bucket = slash === -1 ? rest : rest.slice(0, slash)
    const prefix = slash === -1 ? "" : rest.slice(slash + 1)
    if (bucket === "") return `"${base}" names no bucket`
    const problem = s3PrefixProblem(prefix)
    if (problem !== undefined) return `the prefix of "${base}" ${problem}`
    return s3Location(bucket, normaliseS3Prefix(prefix))
  }
  if (!path.posix.isAbsolute(base)) return `"${base}" is neither an absolute path nor an s3:// location`
  const root = path.posix.normalize(base).replace(/\/+$/, "")
  if (root === "") return "the filesystem root cannot be the media location"
  return localLocation(root)
}

/**
 * Parses a location given by a user (a command-line argument, `IMMICH_MEDIA_LOCATION`): `s3://bucket/prefix`,
 * or a local folder, a relative one resolved against `cwd`. Returns why the text is not one.
 */
export const parseLocationText = (text: string, cwd: string): MediaLocation | string => {
  if (text.trim() === "") return "is empty; name a local folder or s3://<bucket>/<prefix>"
  const problem = locationSchemeProblem(text)
  if (problem !== undefined) return problem
  return parseBase(text.startsWith(S3_SCHEME) ? text : path.resolve(cwd, text))
}

/** The absolute path stored for `key`. */
export const pathOf = (location: MediaLocation, key: string): string => `${baseOf(location)}/${key}`

/** True when `p` is `base` itself or lies below it at a `/` boundary. */
export const isUnder = (p: string, base: string): boolean => p === base || p.startsWith(`${base}/`)

/** The key of a stored path, or undefined when the path is not strictly below the location. */
export const keyOf = (location: MediaLocation, storedPath: string): string | undefined => {
  const base = baseOf(location)
  return storedPath.startsWith(`${base}/`) && storedPath.length > base.length + 1
    ? storedPath.slice(base.length + 1)
    : undefined
}

/**
 * Moves a stored path from one base to another. Exactly the paths equal to `from` or below it at a
 * `/` boundary change; every other path (`/data2/x` when moving `/data`) is returned as it was.
 * Upstream Immich matches a bare string prefix here; we do not.
 */
export const rewrite = (storedPath: string, from: string, to: string): string =>
  isUnder(storedPath, from) ? to + storedPath.slice(from.length) : storedPath
