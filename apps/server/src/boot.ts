import {
  BackupConfig,
  Backups,
  baseOf,
  checkMediaIntegrity,
  Database,
  PathMigrator,
  readIntegrityOf,
  readMountCheckFlags,
  Repositories,
  runBackupSchedule,
  saveMountCheckFlags,
  StorageConfig,
  StorageEngine
} from "@immich-storage/core"
import * as Effect from "effect/Effect"
import { HttpRouter } from "effect/http"
import * as Layer from "effect/Layer"
import { AssetService } from "./assets/AssetService.ts"
import { Thumbnailer } from "./assets/Thumbnailer.ts"
import { Accounts } from "./auth/Accounts.ts"
import { ensureAdminKey, reportAdminKey } from "./auth/adminKey.ts"
import { Auth } from "./auth/Auth.ts"
import { LoginThrottle } from "./auth/LoginThrottle.ts"
import { listenLayer, startupDoneLayer } from "./http/nodeServer.ts"
import { UploadGate } from "./http/UploadGate.ts"
import { leftoverCleanupLayer } from "./leftoverCleanup.ts"
import { routes } from "./routes.ts"
import { configLayer, ServerConfig } from "./ServerConfig.ts"
import { TimelineService } from "./timeline/TimelineService.ts"

/**
 * Immich's folder check: markers in every storage folder; a folder checked on an earlier start (its
 * flag in `system-flags`) that lost its marker stops the boot, before any path is rewritten.
 */
const integrityLayer = Layer.effectDiscard(Effect.gen(function*() {
  const engine = yield* StorageEngine
  const settings = yield* StorageConfig
  const db = yield* Database
  const flagged = yield* readMountCheckFlags(db)
  const report = yield* checkMediaIntegrity(engine, { flagged, ignoreErrors: settings.ignoreMountCheckErrors })
  yield* saveMountCheckFlags(db, report.checked)
  // Ignored problems were logged as one warning; "passed" would contradict it.
  if (report.problems.length === 0) {
    yield* Effect.logInfo(
      `Media location ${baseOf(engine.location)} passed its integrity check (${report.checked.length} folders)`
    )
  }
  yield* Effect.logInfo(`Read integrity: ${readIntegrityOf(settings)}`)
}))

/** Rewrites stored paths when the media location changed since the last start. */
const mediaLocationLayer = Layer.effectDiscard(Effect.gen(function*() {
  const engine = yield* StorageEngine
  yield* (yield* PathMigrator).followMediaLocation(baseOf(engine.location))
}))

/**
 * An admin who can use the API: `IMMICH_ADMIN_API_KEY` held by an admin, or on a fresh database a first
 * admin key, printed once.
 */
const adminKeyLayer = Layer.effectDiscard(Effect.gen(function*() {
  const { adminApiKey } = yield* ServerConfig
  yield* reportAdminKey(yield* ensureAdminKey(yield* Database, yield* Repositories, adminApiKey))
}))

/** Immich's "create database dump" job (database backups) on its cron schedule, for as long as the server runs. */
const backupScheduleLayer = Layer.effectDiscard(Effect.gen(function*() {
  const settings = yield* BackupConfig
  if (!settings.enabled) return yield* Effect.logInfo("Database backups are disabled (DB_BACKUP_ENABLED=false)")
  yield* Effect.forkScoped(runBackupSchedule(settings, yield* Backups))
}))

/** Logins, sign-up and account changes, with failed logins slowed per client and per account. */
const accountsLayer = Accounts.layer.pipe(Layer.provide(LoginThrottle.layer))

// Request logging is off: at hundreds of small downloads a second it costs more than the downloads;
// failures are logged where they are turned into answers (`toErrorResponse`).
// Path parameters longer than the router's default of 100 characters would fall through to a bare 404;
// they reach the handlers, which say what is wrong with them.
const httpLayer = HttpRouter.serve(routes, { disableLogger: true, routerConfig: { maxParamLength: 1024 } }).pipe(
  Layer.provide(startupDoneLayer)
)

/**
 * The server, in boot order: configuration; the HTTP port (opened, not yet answering, so that a port
 * in use stops the boot before any side effect); storage engine; database, its schema detected (and our
 * own tables created where Immich's migrations do not manage it); integrity markers; media-location
 * migration; the admin key; the crash-leftover clean-up (in the background); the backup schedule; then
 * the routes. Each step starts only when the one before succeeded. Shutdown runs in reverse: uploads in
 * progress are interrupted first (each deletes what it wrote), then the HTTP server lets other requests
 * finish, then the background jobs, the engine and the pool close.
 */
export const serverLayer = UploadGate.closeOnShutdown.pipe(
  Layer.provide(httpLayer),
  Layer.provideMerge(Layer.mergeAll(AssetService.layer, TimelineService.layer)),
  Layer.provideMerge(Layer.mergeAll(Auth.layer, accountsLayer, Thumbnailer.layer, UploadGate.layer)),
  Layer.provide(backupScheduleLayer),
  Layer.provide(leftoverCleanupLayer),
  Layer.provide(adminKeyLayer),
  Layer.provide(mediaLocationLayer),
  Layer.provide(integrityLayer),
  Layer.provideMerge(Layer.mergeAll(PathMigrator.layer, Backups.layer, Repositories.layerPrepared)),
  Layer.provideMerge(Database.layer),
  Layer.provideMerge(StorageEngine.layer),
  Layer.provideMerge(listenLayer),
  Layer.provideMerge(configLayer)
)
