import * as IpNetwork from "effect/net/IpNetwork"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { asBoolean, asWholeNumber, decoded, envReader, envVariable, refused } from "./envVariable.ts"
import type { Decoded, Parsed } from "./envVariable.ts"
import { hostProblem } from "./hostProblem.ts"
import { storageVariables } from "./storageVariables.ts"

/** The HTTP server's settings; declared in core so that `immich-storage config` checks them too. */
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
  /** Reverse proxies (CIDR networks) whose `X-Forwarded-*` headers are believed; none by default. */
  readonly trustedProxies: ReadonlyArray<string>
}

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

/** Seconds, decimals allowed, as milliseconds (at least 100); `example` ends the message. */
const asTimeoutSeconds = (example: number) => (text: string): Decoded<number> => {
  const seconds = Number(text)
  if (!/^\d+(\.\d+)?$/.test(text) || seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS) {
    const range = `use a number from 0.1 to ${MAX_TIMEOUT_SECONDS}, e.g. ${example}`
    return refused(`"${text}" is not a duration in seconds; ${range}`)
  }
  return decoded(Math.max(100, Math.round(seconds * 1000)))
}

/** `10.0.0.0/8, 127.0.0.1, ::1`: networks in CIDR notation; a bare address is a network of one. */
export const asNetworks = (text: string): Decoded<ReadonlyArray<string>> => {
  const entries = text.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "")
  const networks: Array<string> = []
  for (const entry of entries) {
    const cidr = entry.includes("/") ? entry : `${entry}/${entry.includes(":") ? 128 : 32}`
    if (Result.isFailure(IpNetwork.fromString(cidr))) {
      return refused(`"${entry}" is not an IP address or a network such as 10.0.0.0/8; separate several with commas`)
    }
    networks.push(cidr)
  }
  return decoded(networks)
}

const asAdminKey = (key: string): Decoded<Redacted.Redacted<string>> =>
  key.length < MIN_ADMIN_KEY_LENGTH || key.length > 512 || !/^[\x21-\x7e]+$/.test(key)
    // Never echo the value: it is a secret, even when it is a bad one.
    ? refused(
      `must be ${MIN_ADMIN_KEY_LENGTH} to 512 printable ASCII characters without spaces; ` +
        "generate one with: openssl rand -base64 32"
    )
    : decoded(Redacted.make(key))

export const serverVariables = {
  port: envVariable({
    name: "IMMICH_PORT",
    default: String(DEFAULT_PORT),
    description: "HTTP port (Immich's). `0` picks a free port.",
    secret: false,
    decode: asWholeNumber(
      0,
      65535,
      (text) => `"${text}" is not a port; use a number from 1 to 65535 (0 picks a free one)`
    )
  }),
  host: envVariable({
    name: "IMMICH_HOST",
    default: DEFAULT_HOST,
    description: "Address to listen on: an IP address (v4 or v6, without brackets) or a host name; a URL or an " +
      "address with a port is refused with the rest of the configuration. The default serves this machine " +
      "only; set `0.0.0.0` to serve your network.",
    secret: false,
    decode: (host) => {
      const problem = hostProblem(host)
      return problem === undefined ? decoded(host) : refused(problem)
    }
  }),
  uploadIdleTimeout: envVariable({
    name: "IMMICH_UPLOAD_IDLE_TIMEOUT",
    default: String(DEFAULT_UPLOAD_IDLE_TIMEOUT_SECONDS),
    description: "Seconds a request body (an upload, a JSON body) may send nothing before it is ended (see [Limits " +
      "and timeouts](#limits-and-timeouts)); decimals allowed, 0.1 to 86400. There is no limit on an " +
      "upload's total time.",
    secret: false,
    decode: asTimeoutSeconds(DEFAULT_UPLOAD_IDLE_TIMEOUT_SECONDS)
  }),
  headersTimeout: envVariable({
    name: "IMMICH_HEADERS_TIMEOUT",
    default: String(DEFAULT_HEADERS_TIMEOUT_SECONDS),
    description: "Seconds a client has to send a request's headers (against connections held open on purpose); 0.1 " +
      "to 86400.",
    secret: false,
    decode: asTimeoutSeconds(DEFAULT_HEADERS_TIMEOUT_SECONDS)
  }),
  adminApiKey: envVariable({
    name: "IMMICH_ADMIN_API_KEY",
    default: undefined,
    defaultDoc: "—",
    description: "An API key an admin user is made to hold at start (the first admin, `admin@immich.local`, is " +
      "created when there is none), so a fresh install can be scripted. 24 to 512 printable characters, " +
      "e.g. `openssl rand -base64 32`. Only its SHA-256 is stored; it is never printed. A key that " +
      "already belongs to a non-admin user stops the boot. Unset: see [first key](#authentication).",
    secret: true,
    decode: asAdminKey
  }),
  trustedProxies: envVariable({
    name: "IMMICH_TRUSTED_PROXIES",
    default: undefined,
    defaultDoc: "—",
    description: "Reverse proxies whose `X-Forwarded-For`, `X-Forwarded-Host` and `X-Forwarded-Proto` are " +
      "believed: IP addresses or CIDR networks, comma-separated (e.g. `127.0.0.1, 172.16.0.0/12`). They give " +
      "the client's address (login throttling), `https` (the session cookie's `Secure` flag) and the host " +
      "(the cookie's same-origin check). Unset: no proxy is trusted and the connection itself counts.",
    secret: false,
    decode: asNetworks
  }),
  presignedDownloads: envVariable({
    name: "IMMICH_S3_PRESIGNED_DOWNLOADS",
    default: "false",
    description: "S3 only (refused with `local`): answer `GET …/original` and `…/thumbnail` with `302` to a " +
      "presigned URL of the object instead of passing the bytes through the server. The client must be " +
      "able to reach the S3 endpoint.",
    secret: false,
    decode: asBoolean
  }),
  presignedExpiry: envVariable({
    name: "IMMICH_S3_PRESIGNED_EXPIRY",
    default: String(DEFAULT_PRESIGNED_EXPIRY_SECONDS),
    description: "Seconds a presigned download URL works (1 to 604800).",
    secret: false,
    decode: asWholeNumber(1, 604800, (text) => `"${text}" is not a number of seconds from 1 to 604800 (7 days)`)
  })
}

/** What the server's parser reads: its own variables, and the storage engine for the presigned-download rule. */
export const SERVER_ENV_VARIABLES = [...Object.values(serverVariables).map((v) => v.name), storageVariables.engine.name]
export type ServerEnv = { readonly [name: string]: string | undefined }

export const parseServerEnv = (env: ServerEnv): Parsed<ServerSettings> => {
  const read = envReader(env)
  const v = serverVariables
  const port = read.get(v.port)
  const host = read.get(v.host)
  const adminApiKey = read.get(v.adminApiKey)
  const presignedDownloads = read.get(v.presignedDownloads)
  // The storage group reports a bad engine name; here it only decides whether presigned URLs can work.
  if (presignedDownloads === true && read.peek(storageVariables.engine) !== "s3") {
    read.report(v.presignedDownloads, "only works with IMMICH_STORAGE_ENGINE=s3; unset it for local disk")
  }
  const presignedExpirySeconds = read.get(v.presignedExpiry)
  const uploadIdleTimeoutMs = read.get(v.uploadIdleTimeout)
  const headersTimeoutMs = read.get(v.headersTimeout)
  const trustedProxies = read.get(v.trustedProxies)
  return read.result(() => ({
    host: host!,
    port: port!,
    adminApiKey,
    presignedDownloads: presignedDownloads!,
    presignedExpirySeconds: presignedExpirySeconds!,
    uploadIdleTimeoutMs: uploadIdleTimeoutMs!,
    headersTimeoutMs: headersTimeoutMs!,
    trustedProxies: trustedProxies ?? []
  }))
}
