import * as Schema from "effect/Schema"

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
