import { createHash, createHmac } from "node:crypto"
import type { IncomingHttpHeaders } from "node:http"

/**
 * An S3 SigV4 checker written from AWS's specification ("Create a signed AWS API request"), independent of
 * the SDK's signer. The test S3 server does not check signatures; the proxy uses this to check every
 * request our engine sends, so a mistake in how we build or sign a request fails a test here instead of
 * a user's upload on AWS.
 */
export interface SignedRequest {
  readonly method: string
  /** The request target exactly as sent: path and raw query string. */
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
}

const rfc3986 = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex")
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest()

const byNameThenValue = (a: readonly [string, string], b: readonly [string, string]): number =>
  a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1

const canonicalQuery = (raw: string): string =>
  raw === ""
    ? ""
    : raw.split("&").map((pair) => {
      const at = pair.indexOf("=")
      const [name, value] = at === -1 ? [pair, ""] : [pair.slice(0, at), pair.slice(at + 1)]
      return [rfc3986(decodeURIComponent(name)), rfc3986(decodeURIComponent(value))] as const
    }).sort(byNameThenValue).map(([n, v]) => `${n}=${v}`).join("&")

const headerValue = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name]
  return value === undefined ? undefined : (Array.isArray(value) ? value.join(",") : value).trim().replace(/\s+/g, " ")
}

const AUTHORIZATION = new RegExp(
  String.raw`^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request` +
    String.raw`, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$`
)
type AuthorizationMatch = [string, string, string, string, string, string, string]

/** Undefined when the request is correctly signed with `secretAccessKey`; otherwise what is wrong. */
export const sigV4Problem = (request: SignedRequest, secretAccessKey: string): string | undefined => {
  const authorization = headerValue(request.headers, "authorization")
  const match = AUTHORIZATION.exec(authorization ?? "")
  if (match === null) return `no SigV4 Authorization header: ${authorization}`
  const [, , date, region, service, signedHeaders, signature] = match as unknown as AuthorizationMatch
  const amzDate = headerValue(request.headers, "x-amz-date")
  if (amzDate === undefined || !amzDate.startsWith(date)) {
    return "x-amz-date is missing or does not match the credential scope"
  }
  const names = signedHeaders.split(";")
  if (!names.includes("host")) return "the host header is not signed"
  for (const name of names) {
    if (headerValue(request.headers, name) === undefined) return `signed header ${name} was not sent`
  }
  for (const name of Object.keys(request.headers)) {
    if (name.startsWith("x-amz-") && !names.includes(name)) return `${name} is sent but not signed`
  }
  const payloadHash = headerValue(request.headers, "x-amz-content-sha256")
  if (payloadHash === undefined) return "x-amz-content-sha256 is missing (S3 requires it)"
  const payloadUnsigned = payloadHash === "UNSIGNED-PAYLOAD" || payloadHash.startsWith("STREAMING-")
  if (!payloadUnsigned && payloadHash !== sha256(request.body)) {
    return "x-amz-content-sha256 does not match the body"
  }
  const at = request.url.indexOf("?")
  const path = at === -1 ? request.url : request.url.slice(0, at)
  const query = at === -1 ? "" : request.url.slice(at + 1)
  const canonicalRequest = [
    request.method,
    path,
    canonicalQuery(query),
    names.map((name) => `${name}:${headerValue(request.headers, name)}\n`).join(""),
    signedHeaders,
    payloadHash
  ].join("\n")
  const scope = `${date}/${region}/${service}/aws4_request`
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonicalRequest)].join("\n")
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), "aws4_request")
  const expected = createHmac("sha256", signingKey).update(stringToSign).digest("hex")
  return expected === signature ? undefined : `the signature does not match (canonical request:\n${canonicalRequest})`
}
