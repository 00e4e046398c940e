import { AccessDenied, ObjectNotFound, StorageFailure, StorageUnavailable } from "./errors.ts"
import type { StorageError } from "./errors.ts"

const TRANSIENT = new Set(["EAGAIN", "EBUSY", "EMFILE", "ENFILE", "EINTR", "EIO", "ETIMEDOUT"])

const HINTS: Record<string, string> = {
  ENOSPC: "the disk is full; free space or move the media location to a larger disk",
  EDQUOT: "the disk quota is exhausted; raise the quota or free space",
  EROFS: "the file system is read-only; remount it read-write",
  ENAMETOOLONG: "a file name is too long for this file system",
  EXDEV: "source and destination are on different file systems",
  ELOOP: "too many symbolic links; a link points back into itself"
}

/** Maps a Node file-system error to a storage error; `key` is the key the operation was about. */
export const fromFsError =
  (location: string, operation: string, key: string | undefined) => (cause: unknown): StorageError => {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? "UNKNOWN"
    const detail = cause instanceof Error ? cause.message : String(cause)
    const where = key === undefined ? { cause } : { key, cause }
    const missing = code === "ENOENT" || code === "ENOTDIR"
    if (missing && key !== undefined) return new ObjectNotFound({ location, key, cause })
    if (code === "EACCES" || code === "EPERM") {
      const fix = "give the server's user read and write access to the media folder"
      return new AccessDenied({ location, operation, ...where, detail: `${detail}; ${fix}` })
    }
    if (TRANSIENT.has(code)) return new StorageUnavailable({ location, operation, ...where, detail })
    const hint = HINTS[code]
    const described = hint === undefined ? detail : `${hint} (${detail})`
    return new StorageFailure({ location, operation, ...where, detail: described })
  }
