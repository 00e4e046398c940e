import { constants as fsConstants } from "node:fs"
import * as fs from "node:fs/promises"

/** A whole regular file no larger than `maxBytes`, as it was when opened. */
export const readWhole = async (file: string, maxBytes: number) => {
  // O_NONBLOCK: opening a named pipe must not wait for a writer (it is then refused as not a file).
  const handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK)
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

export const pathExists = (p: string): Promise<boolean> =>
  fs.lstat(p).then(
    () => true,
    (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? false : Promise.reject(error))
  )
