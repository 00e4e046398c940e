import type { BackupName } from "./backupNames.ts"

export const DEFAULT_KEEP_LAST = 14

export interface BackupFile extends BackupName {
  readonly size: number
  readonly lastModified: Date
}

/** The time a backup is sorted by: the one in its name, or when the file was written. */
export const backupTime = (file: BackupFile): number => (file.takenAt ?? file.lastModified).getTime()

/** Newest first; ties broken by name so the order is total. */
export const newestFirst = (files: ReadonlyArray<BackupFile>): ReadonlyArray<BackupFile> =>
  [...files].sort((a, b) => backupTime(b) - backupTime(a) || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0))

/**
 * Which routine backups to delete: all but the newest `keepLast`. Uploaded backups, restore points
 * and anything that is not a routine backup are never deleted.
 */
export const planRetention = (files: ReadonlyArray<BackupFile>, keepLast: number): ReadonlyArray<BackupFile> => {
  if (!Number.isInteger(keepLast) || keepLast < 1) {
    throw new RangeError(`keepLast must be a whole number of at least 1 (got ${keepLast})`)
  }
  return newestFirst(files.filter((f) => f.kind === "routine")).slice(keepLast)
}
