import * as NodeChildProcessSpawner from "@effect/platform-node/NodeChildProcessSpawner"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { ChildProcessSpawner } from "effect/process/ChildProcessSpawner"
import * as Stream from "effect/Stream"
import type { DatabaseShape } from "../db/Database.ts"
import { Database } from "../db/Database.ts"
import type { DatabaseSettings } from "../db/databaseSettings.ts"
import type { DatabaseError } from "../db/errors.ts"
import { LOCK_IDS } from "../db/lockIds.ts"
import type { StorageError } from "../engine/errors.ts"
import { StorageEngine } from "../engine/StorageEngine.ts"
import type { StorageEngineShape } from "../engine/StorageEngine.ts"
import { cleanLeftovers } from "../leftovers/cleanLeftovers.ts"
import { describeLeftovers } from "../leftovers/describeLeftovers.ts"
import { ANY_AGE } from "../leftovers/leftoverRules.ts"
import { baseOf } from "../location/MediaLocation.ts"
import { backupKey } from "../location/StorageFolder.ts"
import { IMMICH_API_VERSION } from "../version.ts"
import { BACKUP_FOLDER, backupFileName, isBackupFileName, parseBackupName, serverTimeZone } from "./backupNames.ts"
import { BackupInProgress, BackupNotFound, NotABackupName } from "./errors.ts"
import type { BackupError } from "./errors.ts"
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

/** What writing or thinning out backups fails with: the lock is taken first, so it may be held elsewhere. */
type Locked = BackupInProgress | DatabaseError

/**
 * The database backups in `<media location>/backups/`. Everything that writes or deletes there runs under
 * Immich's backup lock, so that one instance of many does it and never while another dumps; a held
 * lock fails with `BackupInProgress`.
 */
export interface BackupsShape {
  /** The time zone whose wall clock stamps the names of the backups written here (Immich's `timezone`). */
  readonly timeZone: string
  /** Backups (Immich's and ours), newest first. */
  readonly list: Effect.Effect<ReadonlyArray<BackupFile>, StorageError>
  /** Dumps the database into `backups/`; a failed dump leaves nothing behind. */
  readonly create: Effect.Effect<BackupFile, BackupError | StorageError | Locked>
  /** Deletes the routine backups past the newest `keepLast`; returns their names. */
  readonly prune: (keepLast: number) => Effect.Effect<ReadonlyArray<string>, StorageError | Locked>
  /** Removes what crashed dumps left: Immich's `.sql.gz.tmp` files and incomplete uploads; returns how many. */
  readonly cleanUp: Effect.Effect<number, StorageError | Locked>
  /** `prune` and `cleanUp` under one lock. */
  readonly pruneAndCleanUp: (
    keepLast: number
  ) => Effect.Effect<{ readonly deleted: ReadonlyArray<string>; readonly cleaned: number }, StorageError | Locked>
  /** The backup job: create, then prune and clean up; only after a dump succeeded. */
  readonly run: (keepLast: number) => Effect.Effect<BackupRunReport, BackupError | StorageError | Locked>
  /** Deletes these backups by name; refuses, before deleting any, a name that is not a backup. */
  readonly delete: (names: ReadonlyArray<string>) => Effect.Effect<void, NotABackupName | StorageError>
  /** Streams a backup through gunzip into psql against `target`. */
  readonly restore: (name: string, target: DatabaseSettings) => Effect.Effect<void, BackupError | StorageError>
}

const serverVersion = (db: DatabaseShape) =>
  db.query("read the server version", (sql) => sql<Array<{ server_version: string }>>`show server_version`).pipe(
    Effect.map((rows) => (rows[0]?.server_version ?? "unknown").split(" ")[0]!)
  )

/** The client tools run as child processes of this Node process. */
const nodeProcesses: Layer.Layer<ChildProcessSpawner> = NodeChildProcessSpawner.layer.pipe(
  Layer.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer))
)

/** The backups in `backups/`, newest first: the files there whose names Immich lists as backups. */
const listBackups = (engine: StorageEngineShape, timeZone: string) =>
  Stream.runCollect(engine.list(BACKUP_FOLDER)).pipe(
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

/** One dump streamed into `backups/<name>`, without the lock (the caller holds it). */
const dumpInto = (engine: StorageEngineShape, db: DatabaseShape, timeZone: string) =>
  Effect.gen(function*() {
    const version = yield* serverVersion(db)
    yield* checkDumpTool(version, db.settings.database)
    const takenAt = new Date()
    const name = backupFileName({ takenAt, immichVersion: IMMICH_API_VERSION, postgresVersion: version, timeZone })
    const processes = yield* Effect.context<ChildProcessSpawner>()
    const body = dumpStream(db.settings).pipe(Stream.provideContext(processes))
    const info = yield* engine.put(backupKey(name), body, { contentType: "application/gzip" })
    const where = `${baseOf(engine.location)}/${BACKUP_FOLDER}`
    yield* Effect.logInfo(`Database backup ${name} written to ${where} (${info.size} bytes)`)
    const file: BackupFile = { ...parseBackupName(name, timeZone)!, size: info.size, lastModified: info.lastModified }
    return file
  })

const makeBackups = Effect.gen(function*() {
  const engine = yield* StorageEngine
  const db = yield* Database
  const processes = yield* Effect.context<ChildProcessSpawner>()
  const timeZone = serverTimeZone()
  const location = baseOf(engine.location)

  const exclusively = <A, E>(effect: Effect.Effect<A, E>) =>
    db.withTryLock(BACKUP_LOCK_ID, effect).pipe(
      Effect.flatMap(Option.match({ onNone: () => Effect.fail(new BackupInProgress()), onSome: Effect.succeed }))
    )

  const list = listBackups(engine, timeZone)
  const dump = dumpInto(engine, db, timeZone).pipe(Effect.provideContext(processes), Effect.withSpan("Backups.create"))

  const thinOut = Effect.fn("Backups.prune")(function*(keepLast: number) {
    const doomed = planRetention(yield* list, keepLast).map((f) => f.name)
    yield* engine.delete(doomed.map(backupKey))
    if (doomed.length > 0) {
      yield* Effect.logInfo(`Deleted ${doomed.length} old database backups, keeping the newest ${keepLast}`)
    }
    return doomed
  })

  const removeLeftovers = Effect.gen(function*() {
    // Under the backup lock no dump is being written: whatever one left in `backups/` goes, at any age.
    const now = new Date(yield* Clock.currentTimeMillis)
    const report = yield* cleanLeftovers(engine, { prefix: BACKUP_FOLDER, maxAgeMs: ANY_AGE, now, dryRun: false })
    if (report.failed.length > 0) yield* Effect.logWarning(describeLeftovers(report))
    return report.removed.length
  }).pipe(Effect.withSpan("Backups.cleanUp"))

  const run = (keepLast: number) =>
    exclusively(Effect.gen(function*() {
      // Retention only runs after a good dump, so a failing job never thins out the good backups.
      const created = yield* dump
      const deleted = yield* thinOut(keepLast)
      const cleaned = yield* removeLeftovers
      return { created, deleted, cleaned }
    })).pipe(Effect.withSpan("Backups.run"))

  const deleteBackups = Effect.fn("Backups.delete")(function*(names: ReadonlyArray<string>) {
    const refused = names.find((name) => name.includes("/") || !isBackupFileName(name))
    if (refused !== undefined) return yield* new NotABackupName({ name: refused })
    yield* engine.delete(names.map(backupKey))
    yield* Effect.logInfo(`Deleted database backups: ${names.join(", ")}`)
  })

  const restore = Effect.fn("Backups.restore")(function*(name: string, target: DatabaseSettings) {
    if (parseBackupName(name, timeZone) === undefined) return yield* new BackupNotFound({ name, location })
    const body = yield* engine.get(backupKey(name)).pipe(
      Effect.catchTag("ObjectNotFound", () => Effect.fail(new BackupNotFound({ name, location })))
    )
    yield* restoreStream(name, body.stream, target).pipe(Effect.provideContext(processes))
    yield* Effect.logInfo(`Restored ${name}`)
  })

  return Backups.of({
    timeZone,
    list,
    create: exclusively(dump),
    prune: (keepLast) => exclusively(thinOut(keepLast)),
    cleanUp: exclusively(removeLeftovers),
    pruneAndCleanUp: (keepLast) => exclusively(Effect.all({ deleted: thinOut(keepLast), cleaned: removeLeftovers })),
    run,
    delete: deleteBackups,
    restore
  })
})

export class Backups extends Context.Service<Backups, BackupsShape>()("@immich-storage/core/Backups") {
  /** Backups named for `IMMICH_API_VERSION`, whose single-database dump format they hold. */
  static readonly layerWithoutProcesses: Layer.Layer<Backups, never, StorageEngine | Database | ChildProcessSpawner> =
    Layer.effect(Backups, makeBackups)

  /** With pg_dump and psql run as child processes of this Node process. */
  static readonly layer: Layer.Layer<Backups, never, StorageEngine | Database> = Backups.layerWithoutProcesses.pipe(
    Layer.provide(nodeProcesses)
  )
}
