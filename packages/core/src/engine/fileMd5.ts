import { createHash } from "node:crypto"
import * as fs from "node:fs"
import { OPEN_FLAGS } from "./localFiles.ts"

/** Bytes read at a time: a file is never held whole, however large. */
const PIECE = 1024 * 1024

/**
 * Files above this are not hashed while listing: the per-file cost that listing-time hashing saves is
 * nothing beside reading them, and one that turns out to need copying would be read twice.
 */
export const HASHED_WHILE_LISTING_MAX = 8 * 1024 * 1024

/**
 * A hasher of whole files for the walk's thread: synchronous (the thread has nothing else to do), one buffer
 * reused for every file. Undefined for a file that cannot be read (it vanished, or is not readable): the
 * comparison then reads it the ordinary way, and reports what went wrong.
 */
export const makeFileMd5 = () => {
  const piece = Buffer.allocUnsafe(PIECE)
  return (file: string, size: number): string | undefined => {
    if (size > HASHED_WHILE_LISTING_MAX) return undefined
    let fd: number | undefined
    try {
      fd = fs.openSync(file, OPEN_FLAGS)
      const md5 = createHash("md5")
      for (;;) {
        const read = fs.readSync(fd, piece, 0, PIECE, null)
        if (read === 0) break
        md5.update(piece.subarray(0, read))
      }
      return md5.digest("hex")
    } catch {
      return undefined
    } finally {
      if (fd !== undefined) fs.closeSync(fd)
    }
  }
}
