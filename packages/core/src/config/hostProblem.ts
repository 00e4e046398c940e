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
