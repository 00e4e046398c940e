import { createHash, randomBytes } from "node:crypto"

/**
 * API keys as Immich handles them: the secret is shown once, and only its SHA-256 digest is stored
 * (`api_key.key`, bytea). Looking a key up by its digest reveals nothing about other keys, so no
 * constant-time comparison is needed on top.
 */
export const hashApiKey = (secret: string): Buffer => createHash("sha256").update(secret, "utf8").digest()

/** 43 URL-safe characters: 256 random bits, as Immich's own keys. */
export const newApiKeySecret = (): string => randomBytes(32).toString("base64url")

/** What an API key may do; Immich's `all` grants everything, and is what this server creates. */
export const PERMISSION_ALL = "all"

/** Keys that could not be a key: empty, absurdly long, or with characters a header cannot carry. */
export const plausibleApiKey = (value: string | undefined): value is string =>
  value !== undefined && value.length > 0 && value.length <= 512 && /^[\x21-\x7e]+$/.test(value)
