import { Transform } from "node:stream"

/**
 * A network's shape on loopback, for the test proxy: a delay before each request is passed on (a round
 * trip to a distant server) and a cap on bytes per second (a link's bandwidth, shared by every connection
 * going the same way, as on a real link).
 */
export interface NetworkShape {
  /** Milliseconds each request waits before it is forwarded. */
  readonly latencyMs?: number
  /** Bytes per second through the proxy in each direction: response bodies, and request bodies. */
  readonly bytesPerSecond?: number
}

/** A link's schedule: when the next bytes may be through, given everything sent before them. */
export type Link = (bytes: number) => number

/** Hands out time on a link of `bytesPerSecond`: how long until `bytes` more are through it. */
export const makeLink = (bytesPerSecond: number): Link => {
  let freeAt = performance.now()
  return (bytes) => {
    const now = performance.now()
    freeAt = Math.max(now, freeAt) + (bytes / bytesPerSecond) * 1000
    return freeAt - now
  }
}

/** Small enough pieces that a slow link still delivers smoothly (a 64 KiB chunk at 64 KiB/s would be a second). */
const PIECE = 16 * 1024

/** Passes bytes on no faster than `link` lets them through. */
export const throughLink = (link: Link): Transform =>
  new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const pieces: Array<Buffer> = []
      for (let at = 0; at < chunk.length; at += PIECE) pieces.push(chunk.subarray(at, at + PIECE))
      const next = () => {
        const piece = pieces.shift()
        if (piece === undefined) return callback()
        setTimeout(() => {
          this.push(piece)
          next()
        }, link(piece.length))
      }
      next()
    }
  })

/** Runs `forward` after the shape's latency (at once without one). */
export const afterLatency = (shape: NetworkShape, forward: () => void): void => {
  if ((shape.latencyMs ?? 0) <= 0) return forward()
  setTimeout(forward, shape.latencyMs)
}
