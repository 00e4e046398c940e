import * as fsSync from "node:fs"
import { constants as fsConstants } from "node:fs"
import * as fs from "node:fs/promises"
import { makeSpeedJudge } from "./speedJudge.ts"

// O_NONBLOCK: opening a named pipe must not wait for a writer (it is then refused as not a file).
export const OPEN_FLAGS = fsConstants.O_RDONLY | fsConstants.O_NONBLOCK

/** A whole regular file no larger than `maxBytes`, as it was when opened. */
export const readWhole = async (file: string, maxBytes: number) => {
  const handle = await fs.open(file, OPEN_FLAGS)
  try {
    const stats = await handle.stat()
    if (!stats.isFile()) return "not a file" as const
    if (stats.size > maxBytes) return "too large" as const
    const buffer = Buffer.allocUnsafe(stats.size)
    let filled = 0
    while (filled < stats.size) {
      const { bytesRead } = await handle.read(buffer, filled, stats.size - filled, filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    return { stats, bytes: filled === stats.size ? buffer : buffer.subarray(0, filled) }
  } finally {
    await handle.close()
  }
}

type Whole = Awaited<ReturnType<typeof readWhole>>

/** Files up to this size may be read on the main thread (a cached one costs microseconds; larger go async). */
const SYNC_READ_MAX = 256 * 1024

/** `readWhole` on the main thread, for a file no larger than SYNC_READ_MAX; "async" for a larger one. */
const readWholeSync = (file: string, maxBytes: number): Whole | "async" => {
  const fd = fsSync.openSync(file, OPEN_FLAGS)
  try {
    const stats = fsSync.fstatSync(fd)
    if (!stats.isFile()) return "not a file"
    if (stats.size > maxBytes) return "too large"
    if (stats.size > SYNC_READ_MAX) return "async"
    const buffer = Buffer.allocUnsafe(stats.size)
    let filled = 0
    while (filled < stats.size) {
      const bytesRead = fsSync.readSync(fd, buffer, filled, stats.size - filled, filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    return { stats, bytes: filled === stats.size ? buffer : buffer.subarray(0, filled) }
  } finally {
    fsSync.closeSync(fd)
  }
}

/**
 * Reads small files whole, each resolved through its links first and refused ("escapes") when it leaves
 * the root. While the disk answers from its cache, on the main thread: a small file then costs a few
 * microseconds, where five round trips through libuv's thread pool (realpath, open, stat, read, close) cost
 * far more; thousands of thumbnails copied or hashed for `--checksum` feel it. Once reads show the storage
 * is slow (a network share, a cold disk; see `makeSpeedJudge`), through the thread pool, where overlapping
 * requests is what counts. Large files always go through the thread pool.
 */
export const makeWholeReader = (isInside: (real: string) => boolean, slowReadMs: number) => {
  const judge = makeSpeedJudge(slowReadMs)
  const inThreadPool = async (file: string, maxBytes: number) => {
    const real = await fs.realpath(file)
    return isInside(real) ? readWhole(real, maxBytes) : ("escapes" as const)
  }
  return async (file: string, maxBytes: number): Promise<Whole | "escapes"> => {
    if (judge.slow()) return inThreadPool(file, maxBytes)
    const { read, real } = judge.timed(() => {
      const real = fsSync.realpathSync.native(file)
      return { real, read: isInside(real) ? readWholeSync(real, maxBytes) : ("escapes" as const) }
    }, () => 1)
    return read === "async" ? readWhole(real, maxBytes) : read
  }
}

export const pathExists = (p: string): Promise<boolean> =>
  fs.lstat(p).then(
    () => true,
    (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? false : Promise.reject(error))
  )
