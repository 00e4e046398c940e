import { baseOf, markerKey, STORAGE_FOLDERS, StorageConfig, StorageEngine } from "@immich-storage/core"
import * as Effect from "effect/Effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { requireAdmin } from "../auth/Auth.ts"
import { authenticated } from "../http/handle.ts"

/**
 * `GET /api/admin/storage` (this server's own, read-only, admins only): the engine, where the media lives
 * (bucket, prefix and endpoint on S3; never a credential) and whether each storage folder still has the
 * `.immich` marker the boot-time integrity check wrote. The markers are only looked at, never written.
 */
const storageStatus = authenticated((auth) =>
  Effect.gen(function*() {
    yield* requireAdmin(auth)
    const settings = yield* StorageConfig
    const engine = yield* StorageEngine
    const markers = yield* Effect.forEach(STORAGE_FOLDERS, (folder) =>
      engine.stat(markerKey(folder)).pipe(
        Effect.as({ folder, present: true }),
        Effect.catchTag("ObjectNotFound", () => Effect.succeed({ folder, present: false }))
      ), { concurrency: STORAGE_FOLDERS.length })
    const where = settings.engine === "s3"
      ? { bucket: settings.s3.bucket, prefix: settings.s3.prefix, endpoint: settings.s3.endpoint ?? "" }
      : { root: settings.location.root }
    return HttpServerResponse.jsonUnsafe({
      engine: settings.engine,
      location: baseOf(engine.location),
      ...where,
      markers
    })
  })
)

export const storageRoutes = HttpRouter.add("GET", "/api/admin/storage", storageStatus)
