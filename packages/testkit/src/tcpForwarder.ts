import * as net from "node:net"

export interface TcpForwarder {
  readonly port: number
  /** Stops listening (new connections are refused) and cuts every open one, as a stopped server would. */
  readonly down: () => Promise<void>
  /** Listens again on the same port. */
  readonly up: () => Promise<void>
  /** From now on, connections are accepted but nothing is forwarded: a service that hangs. */
  readonly stall: () => void
  readonly stop: () => Promise<void>
}

/**
 * A TCP forwarder on 127.0.0.1 (ephemeral port) in front of `target`, that can be taken down and brought
 * back: a service outage (PostgreSQL stopping and starting) made for real on the connections, without
 * touching the machine's service.
 */
export const startTcpForwarder = async (
  target: { readonly host: string; readonly port: number }
): Promise<TcpForwarder> => {
  const open = new Set<net.Socket>()
  let stalled = false
  const server = net.createServer((client) => {
    if (stalled) {
      open.add(client)
      client.on("error", () => client.destroy())
      return
    }
    const upstream = net.connect(target.port, target.host)
    open.add(client).add(upstream)
    const cut = () => {
      client.destroy()
      upstream.destroy()
      open.delete(client)
      open.delete(upstream)
    }
    client.on("error", cut).on("close", cut)
    upstream.on("error", cut).on("close", cut)
    client.pipe(upstream).pipe(client)
  })
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject).listen(port, "127.0.0.1", () => {
        server.off("error", reject)
        resolve()
      })
    })
  await listen(0)
  const { port } = server.address() as net.AddressInfo
  const down = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const socket of open) socket.destroy()
    open.clear()
    await closed
  }
  return {
    port,
    down,
    up: () => listen(port),
    stall: () => void (stalled = true),
    stop: () => (server.listening ? down() : Promise.resolve())
  }
}
