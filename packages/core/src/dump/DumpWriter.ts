import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import type { DatabaseShape } from "../db/Database.ts"
import { Database } from "../db/Database.ts"
import type { DatabaseSettings } from "../db/databaseSettings.ts"
import type { DatabaseError } from "../db/errors.ts"
import { LOCK_IDS } from "../db/lockIds.ts"
import type { StorageError } from "../engine/errors.ts"
import { StorageEngine } from "../engine/StorageEngine.ts"
import { cleanLeftovers } from "../leftovers/cleanLeftovers.ts"
import { describeLeftovers } from "../leftovers/describeLeftovers.ts"
import { ANY_AGE } from "../leftovers/leftoverRules.ts"
import { baseOf } from "../location/MediaLocation.ts"
import { backupKey } from "../location/StorageFolder.ts"
import { IMMICH_API_VERSION } from "../version.ts"
import { BACKUP_FOLDER, backupFileName, parseBackupName, serverTimeZone } from "./backupNames.ts"
import { BackupNotFound } from "./errors.ts"
import type { DumpError } from "./errors.ts"
import { checkDumpTool, dumpStream, restoreStream } from "./pgTools.ts"
import { newestFirst, planRetention } from "./retention.ts"
import type { BackupFile } from "./retention.ts"

/** Immich's lock for the backup job: one instance of many runs it. */
export const BACKUP_LOCK_ID = LOCK_IDS.backup

export interface BackupRunReport {
  readonly created: BackupFile
  readonly deleted: ReadonlyArray<string>
  readonly cleaned: number
}

export interface DumpWriterShape {
  /** The time zone whose wall clock stamps the names of the backups written here (Immich's `timezone`). */
  readonly timeZone: string
  /** Dumps the database into `<media location>/backups/`; a failed dump leaves nothing behind. */
  readonly create: Effect.Effect<BackupFile, DumpError | StorageError | DatabaseError>
  /** Backups (Immich's and ours), newest first. */
  readonly list: Effect.Effect<ReadonlyArray<BackupFile>, StorageError>
  /** Deletes the routine backups past the newest `keepLast`; returns their names. */
  readonly prune: (keepLast: number) => Effect.Effect<ReadonlyArray<string>, StorageError>
  /** Removes what crashed dumps left: Immich's `.sql.gz.tmp` files and incomplete uploads. */
  readonly cleanUp: Effect.Effect<number, StorageError>
  /** The scheduled job: create, then prune and clean up; only after a dump succeeded. */
  readonly run: (keepLast: number) => Effect.Effect<BackupRunReport, DumpError | StorageError | DatabaseError>
  /** Streams a backup through gunzip into psql against `target`. */
  readonly restore: (name: string, target: DatabaseSettings) => Effect.Effect<void, DumpError | StorageError>
}

const serverVersion = (db: DatabaseShape) =>
  db.query("read the server version", (sql) => sql<Array<{ server_version: string }>>`show server_version`).pipe(
    Effect.map((rows) => (rows[0]?.server_version ?? "unknown").split(" ")[0]!)
  )

export class DumpWriter extends Context.Service<DumpWriter, DumpWriterShape>()("@immich-storage/core/DumpWriter") {
  /** Writes dumps named for `IMMICH_API_VERSION`, whose single-database dump format they hold. */
  static readonly layer: Layer.Layer<DumpWriter, never, StorageEngine | Database> =
    Layer.effect(
      DumpWriter,
      Effect.gen(function*() {
        const engine = yield* StorageEngine
        const db = yield* Database
        const timeZone = serverTimeZone()

        const list = Stream.runCollect(engine.list(BACKUP_FOLDER)).pipe(
          Effect.map((objects) => {
            const files: Array<BackupFile> = []
            for (const object of objects) {
              const name = object.key.slice(BACKUP_FOLDER.length + 1)
              const parsed = name.includes("/") ? undefined : parseBackupName(name, timeZone)
              if (parsed !== undefined) files.push({ ...parsed, size: object.size, lastModified: object.lastModified })
            }
            return newestFirst(files)
          })
        )

        const create = Effect.gen(function*() {
          const version = yield* serverVersion(db)
          yield* checkDumpTool(version, db.settings.database)
          const takenAt = new Date()
          const name = backupFileName({ takenAt, immichVersion: IMMICH_API_VERSION, postgresVersion: version, timeZone })
          const info = yield* engine.put(backupKey(name), dumpStream(db.settings), { contentType: "application/gzip" })
          yield* Effect.logInfo(`Database backup ${name} written to ${baseOf(engine.location)}/${BACKUP_FOLDER} (${info.size} bytes)`)
          const file: BackupFile = { ...parseBackupName(name, timeZone)!, size: info.size, lastModified: info.lastModified }
          return file
        }).pipe(Effect.withSpan("DumpWriter.create"))

        const prune = Effect.fn("DumpWriter.prune")(function*(keepLast: number) {
          const doomed = planRetention(yield* list, keepLast).map((f) => f.name)
          yield* engine.delete(doomed.map(backupKey))
          if (doomed.length > 0) yield* Effect.logInfo(`Deleted ${doomed.length} old database backups, keeping the newest ${keepLast}`)
          return doomed
        })

        const cleanUp = Effect.gen(function*() {
          // Under the backup lock no dump is being written: whatever one left in `backups/` goes, at any age.
          const now = new Date(yield* Clock.currentTimeMillis)
          const report = yield* cleanLeftovers(engine, { prefix: BACKUP_FOLDER, maxAgeMs: ANY_AGE, now, dryRun: false })
          if (report.failed.length > 0) yield* Effect.logWarning(describeLeftovers(report))
          return report.removed.length
        }).pipe(Effect.withSpan("DumpWriter.cleanUp"))

        const run = Effect.fn("DumpWriter.run")(function*(keepLast: number) {
          // Retention only runs after a good dump, so a failing job never thins out the good backups.
          const created = yield* create
          const deleted = yield* prune(keepLast)
          const cleaned = yield* cleanUp
          return { created, deleted, cleaned }
        })

        const restore = Effect.fn("DumpWriter.restore")(function*(name: string, target: DatabaseSettings) {
          if (parseBackupName(name, timeZone) === undefined) return yield* new BackupNotFound({ name, location: baseOf(engine.location) })
          const body = yield* engine.get(backupKey(name)).pipe(
            Effect.catchTag("ObjectNotFound", () => Effect.fail(new BackupNotFound({ name, location: baseOf(engine.location) })))
          )
          yield* restoreStream(name, body.stream, target)
          yield* Effect.logInfo(`Restored ${name}`)
        })

        return DumpWriter.of({ timeZone, create, list, prune, cleanUp, run, restore })
      })
    )
}
