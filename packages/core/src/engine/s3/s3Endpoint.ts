/**
 * Where the requests for one bucket go, for a custom endpoint (MinIO and other S3-compatible servers).
 * The same rule as the AWS SDK's endpoint resolver for these inputs (a differential test holds the two
 * together); for AWS itself the SDK's resolver is used, since it knows every partition and region.
 */
export interface BucketUrl {
  /** `scheme://host[:port]` */
  readonly origin: string
  /** The path every object key is appended to ("" or "/bucket" or "/base/bucket"), without a trailing slash. */
  readonly path: string
}

/** A bucket name that can be a DNS label: what virtual-hosted-style addressing needs. */
const HOSTABLE_BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/

export const customEndpointBucketUrl = (endpoint: string, bucket: string, forcePathStyle: boolean): BucketUrl => {
  const url = new URL(endpoint)
  const basePath = url.pathname.replace(/\/+$/, "")
  const ipHost = IPV4.test(url.hostname) || url.hostname.startsWith("[")
  // Over plain http a dotted name is a chain of labels (no certificate to match); over https it is not.
  const hostable = url.protocol === "http:"
    ? !IPV4.test(bucket) && bucket.split(".").every((label) => HOSTABLE_BUCKET.test(label))
    : HOSTABLE_BUCKET.test(bucket)
  if (!forcePathStyle && !ipHost && hostable) {
    return { origin: `${url.protocol}//${bucket}.${url.host}`, path: basePath }
  }
  return { origin: url.origin, path: `${basePath}/${bucket}` }
}

/** A bucket URL the SDK resolved (AWS). */
export const bucketUrlOf = (resolved: URL): BucketUrl => ({
  origin: resolved.origin,
  path: resolved.pathname.replace(/\/+$/, "")
})

/** RFC 3986 escaping, as SigV4 and S3 want it: `encodeURIComponent` plus `!'()*`. */
export const escapeUri = (text: string): string =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/** The request path of an object: each key segment escaped, the slashes kept. */
export const objectPath = (bucket: BucketUrl, objectKey: string): string =>
  `${bucket.path}/${objectKey.split("/").map(escapeUri).join("/")}`

/** The request path of the bucket itself (listing, HEAD bucket). */
export const bucketPath = (bucket: BucketUrl): string => `${bucket.path}/`

/** A query string in SigV4's canonical order and escaping, so what is sent is exactly what was signed. */
export const queryString = (query: Readonly<Record<string, string>>): string =>
  Object.keys(query).sort().map((name) => `${escapeUri(name)}=${escapeUri(query[name]!)}`).join("&")
