import { BackupConfig, Backups } from "@immich-storage/core"
import * as Effect from "effect/Effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { requireAdmin } from "../auth/Auth.ts"
import { BadRequest, Conflict } from "../http/ApiError.ts"
import { authenticated, jsonBodyAs } from "../http/handle.ts"
import { checkItems, JSON_LIMITS } from "../http/requestBody.ts"

const DeleteBackups = Schema.Struct({ backups: Schema.Array(Schema.String) })
const CreateJob = Schema.Struct({ name: Schema.String })

/** Immich's manual job that writes a database backup now. */
export const BACKUP_JOB_NAME = "backup-database"

/**
 * `GET /api/admin/database-backups`: Immich's `DatabaseBackupListResponseDto`, newest first; `timezone` is the
 * zone whose wall clock stamps the names, so a client can read the time in a name.
 */
const listBackups = authenticated((auth) =>
  Effect.gen(function*() {
    yield* requireAdmin(auth)
    const service = yield* Backups
    const backups = yield* service.list
    const timezone = service.timeZone
    const dtos = backups.map((b) => ({ filename: b.name, filesize: b.size, timezone }))
    return HttpServerResponse.jsonUnsafe({ backups: dtos })
  })
)

/** `DELETE /api/admin/database-backups` with `{backups: [filename]}`; only names that are backups. */
const deleteBackups = authenticated((auth) =>
  Effect.gen(function*() {
    yield* requireAdmin(auth)
    const { backups } = yield* jsonBodyAs(DeleteBackups, "delete request", JSON_LIMITS.deleteBackups)
    yield* checkItems("Deleting backups", backups.length, JSON_LIMITS.deleteBackups)
    yield* (yield* Backups).delete(backups).pipe(
      Effect.catchTag("NotABackupName", (refused) => Effect.fail(new BadRequest({ reason: refused.message })))
    )
    return HttpServerResponse.empty({ status: 200 })
  })
)

/**
 * `POST /api/jobs` with `{name: "backup-database"}` (Immich's manual job): the backup runs now, under the
 * backup lock, with the same retention as the scheduled job; 204 once the backup is written, 409 while
 * another instance is backing up. Other job names are not jobs this server has.
 */
const createJob = authenticated((auth) =>
  Effect.gen(function*() {
    yield* requireAdmin(auth)
    const { name } = yield* jsonBodyAs(CreateJob, "job", JSON_LIMITS.job)
    if (name !== BACKUP_JOB_NAME) {
      const shown = JSON.stringify(name.slice(0, 64))
      return yield* new BadRequest({ reason: `Unknown job ${shown}; this server runs ${BACKUP_JOB_NAME}` })
    }
    const settings = yield* BackupConfig
    yield* (yield* Backups).run(settings.keepLast).pipe(
      Effect.catchTag("BackupInProgress", () =>
        Effect.fail(new Conflict({ reason: "A database backup is already running" })))
    )
    return HttpServerResponse.empty({ status: 204 })
  })
)

/** Database backups over HTTP, for admin keys only (a user's key gets 403). */
export const backupRoutes = Layer.mergeAll(
  HttpRouter.add("GET", "/api/admin/database-backups", listBackups),
  HttpRouter.add("DELETE", "/api/admin/database-backups", deleteBackups),
  HttpRouter.add("POST", "/api/jobs", createJob)
)
