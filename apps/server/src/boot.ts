import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { HttpRouter } from "effect/http"
import { createServer } from "node:http"
import {
  APP_VERSION,
  BackupConfig,
  baseOf,
  checkMediaIntegrity,
  Database,
  DumpWriter,
  ensureSchema,
  PathMigrator,
  readMountCheckFlags,
  runBackupSchedule,
  saveMountCheckFlags,
  StorageConfig,
  StorageEngine
} from "@immich-storage/core"
import { pingRoute } from "./routes.ts"
import { configLayer, ServerConfig } from "./ServerConfig.ts"

/** Creates what is missing of the schema before anything reads it. */
const schemaLayer = Layer.effectDiscard(Effect.gen(function*() {
  yield* ensureSchema(yield* Database)
}))

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
  yield* Effect.logInfo(`Media location ${baseOf(engine.location)} passed its integrity check (${report.checked.length} folders)`)
}))

/** Rewrites stored paths when the media location changed since the last start. */
const mediaLocationLayer = Layer.effectDiscard(Effect.gen(function*() {
  const engine = yield* StorageEngine
  yield* (yield* PathMigrator).followMediaLocation(baseOf(engine.location))
}))

/** The "create database dump" job on its cron schedule, for as long as the server runs. */
const backupScheduleLayer = Layer.effectDiscard(Effect.gen(function*() {
  const settings = yield* BackupConfig
  if (!settings.enabled) return yield* Effect.logInfo("Database backups are disabled (DB_BACKUP_ENABLED=false)")
  yield* Effect.forkScoped(runBackupSchedule(settings, yield* DumpWriter, yield* Database))
}))

const httpLayer = Layer.unwrap(Effect.gen(function*() {
  const { host, port } = yield* ServerConfig
  return HttpRouter.serve(pingRoute).pipe(Layer.provide(NodeHttpServer.layer(createServer, { host, port })))
}))

/**
 * The server, in boot order: configuration; storage engine; database and its schema; integrity
 * markers; media-location migration; the backup schedule; then HTTP. Each step starts only when the one
 * before succeeded.
 */
export const serverLayer = httpLayer.pipe(
  Layer.provide(backupScheduleLayer),
  Layer.provide(mediaLocationLayer),
  Layer.provide(integrityLayer),
  Layer.provide(schemaLayer),
  Layer.provideMerge(Layer.mergeAll(PathMigrator.layer, DumpWriter.layer(APP_VERSION))),
  Layer.provideMerge(Database.layer),
  Layer.provideMerge(StorageEngine.layer),
  Layer.provideMerge(configLayer)
)
