import * as Redacted from "effect/Redacted"

export interface ServerSettings {
  readonly host: string
  readonly port: number
  /** When set, an admin user holds this API key (a fresh install can be scripted). */
  readonly adminApiKey: Redacted.Redacted<string> | undefined
  /** S3 only: answer downloads with a redirect to a presigned URL instead of proxying the bytes. */
  readonly presignedDownloads: boolean
  /** How long a presigned download URL works. */
  readonly presignedExpirySeconds: number
}

export const SERVER_ENV_VARIABLES = [
  "IMMICH_HOST",
  "IMMICH_PORT",
  "IMMICH_ADMIN_API_KEY",
  "IMMICH_S3_PRESIGNED_DOWNLOADS",
  "IMMICH_S3_PRESIGNED_EXPIRY",
  // Read only to check that presigned downloads are asked for with the S3 engine.
  "IMMICH_STORAGE_ENGINE"
] as const
export type ServerEnv = Partial<Record<typeof SERVER_ENV_VARIABLES[number], string>>

/** Immich's port. */
export const DEFAULT_PORT = 2283
/** Loopback unless told otherwise: exposing a photo library to the network is the user's decision. */
export const DEFAULT_HOST = "127.0.0.1"
export const DEFAULT_PRESIGNED_EXPIRY_SECONDS = 300
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

  return {
    settings: {
      host,
      port,
      adminApiKey: adminKey === undefined ? undefined : Redacted.make(adminKey),
      presignedDownloads: presignedDownloads ?? false,
      presignedExpirySeconds
    },
    problems
  }
}
