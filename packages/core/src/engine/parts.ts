import * as Stream from "effect/Stream"

/**
 * The upload part size: S3 bodies larger than one part go multipart, and a sync streams files larger than
 * one part (in part-sized reads) while it reads smaller ones whole.
 */
export const PART_SIZE = 8 * 1024 * 1024

/**
 * Cuts a byte stream into parts of exactly `partSize` bytes (the last one shorter, never empty).
 * Large input chunks are sliced without copying; small ones are joined once per part.
 */
export const intoParts =
  (partSize: number) => <E, R>(self: Stream.Stream<Uint8Array, E, R>): Stream.Stream<Uint8Array, E, R> =>
    Stream.mapAccum(self, () => new PartAccumulator(partSize), (acc, chunk) => [acc, acc.push(chunk)], {
      onHalt: (acc) => acc.flush()
    })

class PartAccumulator {
  private pending: Array<Uint8Array> = []
  private pendingBytes = 0
  private readonly partSize: number
  constructor(partSize: number) {
    this.partSize = partSize
  }

  push(chunk: Uint8Array): ReadonlyArray<Uint8Array> {
    const out: Array<Uint8Array> = []
    let rest = chunk
    while (this.pendingBytes + rest.length >= this.partSize) {
      const take = this.partSize - this.pendingBytes
      this.pending.push(rest.subarray(0, take))
      out.push(this.drain())
      rest = rest.subarray(take)
    }
    if (rest.length > 0) {
      this.pending.push(rest)
      this.pendingBytes += rest.length
    }
    return out
  }

  flush(): ReadonlyArray<Uint8Array> {
    return this.pendingBytes === 0 ? [] : [this.drain()]
  }

  private drain(): Uint8Array {
    const part = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending)
    this.pending = []
    this.pendingBytes = 0
    return part
  }
}
