import { ACCESS_TOKEN_COOKIE } from "./sessionTokens.ts"

/** What a request authenticates with, in upstream's order of precedence. */
export type Credential =
  | { readonly _tag: "Session"; readonly token: string; readonly from: "header" | "bearer" | "cookie" }
  | { readonly _tag: "ApiKey"; readonly key: string }
  | { readonly _tag: "None" }

type Headers = Readonly<Record<string, string | undefined>>

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value === "" ? undefined : value

/** `Authorization: Bearer <token>`; the scheme is case-insensitive. */
const bearerToken = (authorization: string | undefined): string | undefined => {
  const match = /^bearer +(\S+)\s*$/i.exec(authorization ?? "")
  return match?.[1]
}

/**
 * The request's credential: a session token (`x-immich-user-token`, `x-immich-session-token`, a bearer
 * token, the `immich_access_token` cookie, in that order, as upstream reads them) before an API key
 * (`x-api-key`).
 */
export const requestCredential = (headers: Headers, cookies: Readonly<Record<string, string>>): Credential => {
  const header = nonEmpty(headers["x-immich-user-token"]) ?? nonEmpty(headers["x-immich-session-token"])
  if (header !== undefined) return { _tag: "Session", token: header, from: "header" }
  const bearer = bearerToken(headers["authorization"])
  if (bearer !== undefined) return { _tag: "Session", token: bearer, from: "bearer" }
  const cookie = nonEmpty(cookies[ACCESS_TOKEN_COOKIE])
  if (cookie !== undefined) return { _tag: "Session", token: cookie, from: "cookie" }
  const key = nonEmpty(headers["x-api-key"])
  return key === undefined ? { _tag: "None" } : { _tag: "ApiKey", key }
}

/** Methods that change something; only these need the same-origin check. */
export const changesState = (method: string): boolean => !["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase())

const hostOf = (url: string): string | undefined => {
  try {
    const parsed = new URL(url)
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.host.toLowerCase() : undefined
  } catch {
    return undefined
  }
}

/**
 * CSRF defence for cookie sessions: a browser attaches the cookie to requests any site makes, but states
 * where they come from in `Origin` (or at least `Referer`). The request is the web app's own when that
 * names the host it was sent to. Neither header, or `Origin: null`, is refused: browsers send `Origin` on
 * every state-changing `fetch` and form post, and other clients use a header or a bearer token instead.
 */
export const sameOrigin = (headers: Headers): boolean => {
  const host = headers["host"]?.toLowerCase()
  const origin = nonEmpty(headers["origin"]) ?? nonEmpty(headers["referer"])
  if (host === undefined || origin === undefined) return false
  return hostOf(origin) === host
}
