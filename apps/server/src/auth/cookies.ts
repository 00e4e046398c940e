import * as Duration from "effect/Duration"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { ACCESS_TOKEN_COOKIE, AUTH_TYPE_COOKIE, IS_AUTHENTICATED_COOKIE } from "./sessionTokens.ts"

/** Upstream keeps its cookies 400 days, the most browsers accept. */
const COOKIE_MAX_AGE = Duration.days(400)

/**
 * Upstream's cookie options: the whole site, `SameSite=Lax` (a link from elsewhere still opens the app; a
 * cross-site form or `fetch` carries no cookie), `HttpOnly` so scripts cannot read the token, and `Secure`
 * when the request came over https.
 */
const options = (secure: boolean, httpOnly = true) => ({ path: "/", sameSite: "lax", httpOnly, secure }) as const

/** The three cookies a password login sets, as upstream sets them; `immich_is_authenticated` is for scripts. */
export const withLoginCookies = (
  response: HttpServerResponse.HttpServerResponse,
  token: string,
  secure: boolean
): HttpServerResponse.HttpServerResponse =>
  response.pipe(
    HttpServerResponse.setCookieUnsafe(ACCESS_TOKEN_COOKIE, token, { ...options(secure), maxAge: COOKIE_MAX_AGE }),
    HttpServerResponse.setCookieUnsafe(AUTH_TYPE_COOKIE, "password", { ...options(secure), maxAge: COOKIE_MAX_AGE }),
    HttpServerResponse.setCookieUnsafe(IS_AUTHENTICATED_COOKIE, "true", {
      ...options(secure, false),
      maxAge: COOKIE_MAX_AGE
    })
  )

/** Logout: the browser forgets all three. */
export const withoutLoginCookies = (
  response: HttpServerResponse.HttpServerResponse,
  secure: boolean
): HttpServerResponse.HttpServerResponse =>
  response.pipe(
    HttpServerResponse.expireCookieUnsafe(ACCESS_TOKEN_COOKIE, options(secure)),
    HttpServerResponse.expireCookieUnsafe(AUTH_TYPE_COOKIE, options(secure)),
    HttpServerResponse.expireCookieUnsafe(IS_AUTHENTICATED_COOKIE, options(secure, false))
  )

/**
 * Whether the request reached this server over TLS. Only the socket says so: a `X-Forwarded-Proto` header
 * is believed only when a trusted-proxy middleware has set `protocol` from it, and none is installed.
 */
export const cameOverTls = (request: HttpServerRequest.HttpServerRequest): boolean => {
  if (request.protocol !== undefined) return request.protocol === "https"
  const socket = (request.source as { socket?: { encrypted?: boolean } }).socket
  return socket?.encrypted === true
}
