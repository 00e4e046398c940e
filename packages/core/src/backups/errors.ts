import * as Schema from "effect/Schema"

export class DumpFailed extends Schema.TaggedError<DumpFailed>()("DumpFailed", {
  database: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `The database dump of ${this.database} failed; no backup was written. ${this.detail}`
  }
}

export class DumpToolMismatch extends Schema.TaggedError<DumpToolMismatch>()("DumpToolMismatch", {
  toolVersion: Schema.String,
  serverVersion: Schema.String
}) {
  override get message(): string {
    const major = this.serverVersion.split(".")[0]
    return `pg_dump ${this.toolVersion} cannot dump a PostgreSQL ${this.serverVersion} server: ` +
      `install the client tools of version ${major} or newer (Debian: apt-get install postgresql-client-${major}) ` +
      "and put them first on PATH"
  }
}

export class RestoreFailed extends Schema.TaggedError<RestoreFailed>()("RestoreFailed", {
  backup: Schema.String,
  target: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `Restoring ${this.backup} into ${this.target} failed: ${this.detail}`
  }
}

export class BackupNotFound extends Schema.TaggedError<BackupNotFound>()("BackupNotFound", {
  name: Schema.String,
  location: Schema.String
}) {
  override get message(): string {
    return `No backup named "${this.name}" in ${this.location}/backups; ` +
      "`immich-storage backups list` shows the ones there are"
  }
}

/** Another session (this instance or another) holds Immich's backup lock: a backup is being written. */
export class BackupInProgress extends Schema.TaggedError<BackupInProgress>()("BackupInProgress", {}) {
  override get message(): string {
    return "A database backup is running right now (another instance holds the backup lock); try again in a moment"
  }
}

/** A name that is not a backup in `backups/` (another folder, or a file Immich would not list). */
export class NotABackupName extends Schema.TaggedError<NotABackupName>()("NotABackupName", {
  name: Schema.String
}) {
  override get message(): string {
    return `${JSON.stringify(this.name.slice(0, 128))} is not a backup file name`
  }
}

export type BackupError = DumpFailed | DumpToolMismatch | RestoreFailed | BackupNotFound
