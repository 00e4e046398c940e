import * as Schema from "effect/Schema"
import { isIP } from "node:net"

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i

/**
 * What is wrong with `IMMICH_HOST`, or undefined: an IP address (v4 or v6) or a host name, nothing else.
 * A URL or an address with a port is the usual slip; each gets its own hint.
 */
export const hostProblem = (host: string): string | undefined => {
  if (isIP(host) !== 0 || HOST_NAME.test(host)) return undefined
  const shown = JSON.stringify(host.slice(0, 64))
  if (host.includes("://")) return `${shown} is a URL; give only the address, e.g. 0.0.0.0`
  if (/^\[.*\]$/.test(host)) return `${shown}: write IPv6 addresses without brackets, e.g. ::1`
  if (/^[^:]+:\d+$/.test(host)) {
    return `${shown} includes a port; give only the address here and set the port with IMMICH_PORT`
  }
  return `${shown} is not an IP address or host name; use e.g. 127.0.0.1 (this machine) or 0.0.0.0 (every network)`
}

/** The HTTP port could not be opened; the message names the address, the cause and what to change. */
export class ListenFailed extends Schema.TaggedError<ListenFailed>()("ListenFailed", { reason: Schema.String }) {
  override get message(): string {
    return this.reason
  }
}

/** Turns the error of `server.listen` into a sentence a user can act on. */
export const describeListenFailure = (host: string, port: number, cause: unknown): string => {
  const { code, message } = (cause ?? {}) as { code?: string; message?: string }
  const where = `${host.includes(":") ? `[${host}]` : host}:${port}`
  const cannot = `Cannot listen on ${where}:`
  switch (code) {
    case "EADDRINUSE":
      return `${cannot} port ${port} is already in use (another Immich?); ` +
        "stop the other server or set IMMICH_PORT to a free port"
    case "EACCES":
      return `${cannot} port ${port} needs privileges this process does not have; set IMMICH_PORT to a port above 1023`
    case "EADDRNOTAVAIL":
      return `${cannot} ${host} is not an address of this machine; ` +
        "set IMMICH_HOST to one of its addresses, 127.0.0.1 or 0.0.0.0"
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_FAIL":
      return `${cannot} the host name ${host} does not resolve (${code}); set IMMICH_HOST to an address of this machine`
    default:
      return `${cannot} ${message ?? String(cause)}${code === undefined ? "" : ` (${code})`}; ` +
        "check IMMICH_HOST and IMMICH_PORT"
  }
}
