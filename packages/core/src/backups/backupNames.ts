/**
 * Immich's database-backup names, written exactly as Immich writes them so that Immich lists, retains and
 * restores our backups, and ours list and retain Immich's:
 * `immich-db-backup-<yyyyMMdd'T'HHmmss>-v<Immich version>-pg<postgres version>.sql.gz`, the time on the
 * server's wall clock (its time zone, which the backups list reports beside each file), the postgres version
 * the first word of `SHOW server_version` (`15.19`); and the older `immich-db-backup-<digits>.sql.gz`.
 * Prefixes `uploaded-` and `restore-point-` mark files that retention never deletes.
 */
import { formatWallClock, parseWallClock } from "./wallClock.ts"

export const BACKUP_FOLDER = "backups"
export const BACKUP_PREFIX = "immich-db-backup-"

/** What Immich lists as a backup. */
const LISTABLE = /^[\d\w\-.]+\.sql(\.gz)?$/
const ROUTINE = /^immich-db-backup-(?:(\d{8}T\d{6})-v[\w.\-]+-pg[\w.\-]+|(\d+))\.sql\.gz$/
const STALE_TEMP = /^immich-db-backup-.*\.sql\.gz\.tmp$/

export type BackupKind = "routine" | "uploaded" | "restore-point" | "other"

export interface BackupName {
  readonly name: string
  readonly kind: BackupKind
  /** When the backup was taken, from its name; undefined when the name carries none. */
  readonly takenAt: Date | undefined
}

/** The IANA time zone this process runs in (`TZ`): the wall clock backup names are written on. */
export const serverTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone

/** Keeps only the characters Immich's listing pattern allows in a version. */
const versionPart = (version: string) => version.replace(/[^\w.\-]/g, "")

export interface BackupNameParts {
  readonly takenAt: Date
  /** The Immich version whose dump format the file holds (never this project's own version). */
  readonly immichVersion: string
  /** As `SHOW server_version` answers it, e.g. `15.19 (Debian 15.19-0+deb12u1)`; Immich keeps the first word. */
  readonly postgresVersion: string
  readonly timeZone: string
}

export const backupFileName = (parts: BackupNameParts): string => {
  const stamp = formatWallClock(parts.takenAt, parts.timeZone)
  const pg = versionPart(parts.postgresVersion.trim().split(" ")[0]!)
  return `${BACKUP_PREFIX}${stamp}-v${versionPart(parts.immichVersion)}-pg${pg}.sql.gz`
}

/**
 * The Immich version a backup name carries, read as Immich's restore reads it (greedy `-v(.*)-`):
 * undefined when the name carries none.
 */
export const backupVersionOf = (name: string): string | undefined => /-v(.*)-/.exec(name)?.[1]

/** Whether Immich lists a file of this name as a backup. */
export const isBackupFileName = (name: string): boolean => LISTABLE.test(name)

/** Undefined for files that are not backups at all; times in names are read on `timeZone`'s wall clock. */
export const parseBackupName = (name: string, timeZone: string): BackupName | undefined => {
  if (!isBackupFileName(name)) return undefined
  if (name.startsWith("uploaded-")) return { name, kind: "uploaded", takenAt: undefined }
  if (name.startsWith("restore-point-")) return { name, kind: "restore-point", takenAt: undefined }
  const routine = ROUTINE.exec(name)
  if (routine === null) return { name, kind: "other", takenAt: undefined }
  const takenAt = routine[1] !== undefined ? parseWallClock(routine[1], timeZone) : new Date(Number(routine[2]))
  const valid = takenAt !== undefined && !Number.isNaN(takenAt.getTime())
  return { name, kind: "routine", takenAt: valid ? takenAt : undefined }
}

/** Immich's unfinished dump files, left by a crash. */
export const isStaleTempName = (name: string): boolean => STALE_TEMP.test(name)
