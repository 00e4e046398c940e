/**
 * Immich's database-backup names, so that backups written by Immich itself are listed and retained too:
 * `immich-db-backup-<yyyyMMdd'T'HHmmss>-v<server version>-pg<postgres version>.sql.gz`, and the older
 * `immich-db-backup-<digits>.sql.gz`. Prefixes `uploaded-` and `restore-point-` mark files that
 * retention never deletes.
 */
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

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/** `yyyyMMdd'T'HHmmss`, in UTC. */
export const formatBackupTime = (date: Date): string =>
  `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}T${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`

/** Keeps only the characters Immich's listing pattern allows in a version. */
const versionPart = (version: string) => version.replace(/[^\w.\-]/g, "")

export const backupFileName = (takenAt: Date, appVersion: string, postgresVersion: string): string =>
  `${BACKUP_PREFIX}${formatBackupTime(takenAt)}-v${versionPart(appVersion)}-pg${versionPart(postgresVersion)}.sql.gz`

const parseTime = (stamp: string): Date | undefined => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/.exec(stamp)
  if (m === null) return undefined
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])))
  return Number.isNaN(date.getTime()) ? undefined : date
}

/** Undefined for files that are not backups at all. */
export const parseBackupName = (name: string): BackupName | undefined => {
  if (!LISTABLE.test(name)) return undefined
  if (name.startsWith("uploaded-")) return { name, kind: "uploaded", takenAt: undefined }
  if (name.startsWith("restore-point-")) return { name, kind: "restore-point", takenAt: undefined }
  const routine = ROUTINE.exec(name)
  if (routine === null) return { name, kind: "other", takenAt: undefined }
  const takenAt = routine[1] !== undefined ? parseTime(routine[1]) : new Date(Number(routine[2]))
  return { name, kind: "routine", takenAt: takenAt !== undefined && !Number.isNaN(takenAt.getTime()) ? takenAt : undefined }
}

/** Immich's unfinished dump files, left by a crash. */
export const isStaleTempName = (name: string): boolean => STALE_TEMP.test(name)
