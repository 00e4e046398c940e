import * as Redacted from "effect/Redacted"
import { hostProblem } from "./http/listenAddress.ts"

export interface ServerSettings {
  readonly host: string
  readonly port: number
  /** When set, an admin user holds this API key (a fresh install can be scripted). */
  readonly adminApiKey: Redacted.Redacted<string> | undefined
  /** S3 only: answer downloads with a redirect to a presigned URL instead of proxying the bytes. */
  readonly presignedDownloads: boolean
  /** How long a presigned download URL works. */
  readonly presignedExpirySeconds: number
  /** An upload body that sends no byte for this long is ended (there is no limit on its total time). */
  readonly uploadIdleTimeoutMs: number
  /** A request's headers must have arrived within this long (slow-header attacks). */
  readonly headersTimeoutMs: number
}

export const SERVER_ENV_VARIABLES = [
  "IMMICH_HOST",
  "IMMICH_PORT",
  "IMMICH_ADMIN_API_KEY",
  "IMMICH_S3_PRESIGNED_DOWNLOADS",
  "IMMICH_S3_PRESIGNED_EXPIRY",
  "IMMICH_UPLOAD_IDLE_TIMEOUT",
  "IMMICH_HEADERS_TIMEOUT",
  // Read only to check that presigned downloads are asked for with the S3 engine.
  "IMMICH_STORAGE_ENGINE"
] as const
export type ServerEnv = Partial<Record<typeof SERVER_ENV_VARIABLES[number], string>>

/** Immich's port. */
export const DEFAULT_PORT = 2283
/** Loopback unless told otherwise: exposing a photo library to the network is the user's decision. */
export const DEFAULT_HOST = "127.0.0.1"
export const DEFAULT_PRESIGNED_EXPIRY_SECONDS = 300
/** A home uplink can pause for a while (a phone switching networks); two minutes of silence is a dead client. */
export const DEFAULT_UPLOAD_IDLE_TIMEOUT_SECONDS = 120
/** Headers are a few hundred bytes: a client that needs longer is holding a connection open on purpose. */
export const DEFAULT_HEADERS_TIMEOUT_SECONDS = 20
const MAX_TIMEOUT_SECONDS = 86_400
/** A configured admin key must be at least this long: it guards every photo of every user. */
export const MIN_ADMIN_KEY_LENGTH = 24

const BOOLEAN_VALUES: Record<string, boolean> = { true: true, false: false, "1": true, "0": false }

export const parseServerEnv = (
  env: ServerEnv
): { readonly settings: ServerSettings; readonly problems: ReadonlyArray<{ readonly variable: string; readonly problem: string }> } => {
  const problems: Array<{ variable: string; problem: string }> = []
  const value = (name: keyof ServerEnv) => {
    const raw = env[name]?.trim()
    return raw === undefined || raw === "" ? undefined : raw
  }
  const rawPort = value("IMMICH_PORT")
  let port = DEFAULT_PORT
  if (rawPort !== undefined) {
    port = Number(rawPort)
    if (!/^\d+$/.test(rawPort) || port > 65535) {
      problems.push({ variable: "IMMICH_PORT", problem: `"${rawPort}" is not a port; use a number from 1 to 65535 (0 picks a free one)` })
    }
  }
  const host = value("IMMICH_HOST") ?? DEFAULT_HOST
  const badHost = hostProblem(host)
  if (badHost !== undefined) problems.push({ variable: "IMMICH_HOST", problem: badHost })

  const adminKey = value("IMMICH_ADMIN_API_KEY")
  if (adminKey !== undefined && (adminKey.length < MIN_ADMIN_KEY_LENGTH || adminKey.length > 512 || !/^[\x21-\x7e]+$/.test(adminKey))) {
    // Never echo the value: it is a secret, even when it is a bad one.
    problems.push({
      variable: "IMMICH_ADMIN_API_KEY",
      problem: `must be ${MIN_ADMIN_KEY_LENGTH} to 512 printable ASCII characters without spaces; generate one with: openssl rand -base64 32`
    })
  }

  const rawPresigned = value("IMMICH_S3_PRESIGNED_DOWNLOADS")
  const presignedDownloads = rawPresigned === undefined ? false : BOOLEAN_VALUES[rawPresigned.toLowerCase()]
  if (presignedDownloads === undefined) {
    problems.push({ variable: "IMMICH_S3_PRESIGNED_DOWNLOADS", problem: `"${rawPresigned}" is not a boolean; use true, false, 1 or 0` })
  }
  if (presignedDownloads === true && (value("IMMICH_STORAGE_ENGINE")?.toLowerCase() ?? "local") !== "s3") {
    problems.push({ variable: "IMMICH_S3_PRESIGNED_DOWNLOADS", problem: "only works with IMMICH_STORAGE_ENGINE=s3; unset it for local disk" })
  }

  const rawExpiry = value("IMMICH_S3_PRESIGNED_EXPIRY")
  const presignedExpirySeconds = rawExpiry === undefined ? DEFAULT_PRESIGNED_EXPIRY_SECONDS : Number(rawExpiry)
  if (rawExpiry !== undefined && (!/^\d+$/.test(rawExpiry) || presignedExpirySeconds < 1 || presignedExpirySeconds > 604800)) {
    problems.push({ variable: "IMMICH_S3_PRESIGNED_EXPIRY", problem: `"${rawExpiry}" is not a number of seconds from 1 to 604800 (7 days)` })
  }

  const seconds = (name: "IMMICH_UPLOAD_IDLE_TIMEOUT" | "IMMICH_HEADERS_TIMEOUT", fallback: number) => {
    const raw = value(name)
    if (raw === undefined) return fallback * 1000
    const parsed = Number(raw)
    if (!/^\d+(\.\d+)?$/.test(raw) || parsed <= 0 || parsed > MAX_TIMEOUT_SECONDS) {
      const problem = `"${raw}" is not a duration in seconds; ` +
        `use a number from 0.1 to ${MAX_TIMEOUT_SECONDS}, e.g. ${fallback}`
      problems.push({ variable: name, problem })
      return fallback * 1000
    }
    return Math.max(100, Math.round(parsed * 1000))
  }
  const uploadIdleTimeoutMs = seconds("IMMICH_UPLOAD_IDLE_TIMEOUT", DEFAULT_UPLOAD_IDLE_TIMEOUT_SECONDS)
  const headersTimeoutMs = seconds("IMMICH_HEADERS_TIMEOUT", DEFAULT_HEADERS_TIMEOUT_SECONDS)

  return {
    settings: {
      host,
      port,
      adminApiKey: adminKey === undefined ? undefined : Redacted.make(adminKey),
      presignedDownloads: presignedDownloads ?? false,
      presignedExpirySeconds,
      uploadIdleTimeoutMs,
      headersTimeoutMs
    },
    problems
  }
}
