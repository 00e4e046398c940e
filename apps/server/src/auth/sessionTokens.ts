import { createHash, randomBytes } from "node:crypto"

/**
 * Session tokens as Immich makes them: 32 random bytes in base64 without its non-word characters, handed to
 * the client once. Only the SHA-256 digest (base64) is stored in `session.token`, as upstream stores it, so
 * sessions an Immich server created keep working here and the other way round.
 */
export const newSessionToken = (): string => randomBytes(32).toString("base64").replace(/\W/g, "")

export const hashSessionToken = (token: string): string => createHash("sha256").update(token, "utf8").digest("base64")

/** The cookie that carries the token for the web app, and the two upstream sets beside it. */
export const ACCESS_TOKEN_COOKIE = "immich_access_token"
export const AUTH_TYPE_COOKIE = "immich_auth_type"
export const IS_AUTHENTICATED_COOKIE = "immich_is_authenticated"
