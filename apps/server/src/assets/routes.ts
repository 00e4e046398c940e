import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { isUuid, keyOf, Repositories, StorageEngine } from "@immich-storage/core"
import type { AuthUser } from "../auth/Auth.ts"
import { BadRequest, NotFound } from "../http/ApiError.ts"
import { authenticated, jsonBodyAs } from "../http/handle.ts"
import { strongEtag } from "../http/headers.ts"
import { checkItems, JSON_LIMITS } from "../http/requestBody.ts"
import { UploadGate } from "../http/UploadGate.ts"
import { ServerConfig } from "../ServerConfig.ts"
import { assetResponse } from "./assetResponse.ts"
import { parseSha1 } from "./checksum.ts"
import { mimeTypeOf } from "./mediaTypes.ts"
import { serveStored } from "./serveStored.ts"
import { GENERATED_FORMATS } from "./thumbnails.ts"
import { uploadAsset } from "./upload.ts"

const BulkUploadCheck = Schema.Struct({ assets: Schema.Array(Schema.Struct({ id: Schema.String, checksum: Schema.String })) })
const BulkDelete = Schema.Struct({ ids: Schema.Array(Schema.String), force: Schema.optional(Schema.Boolean) })

/** The asset named in the path, if it is the caller's; someone else's asset is as absent as a missing one. */
const ownAsset = (auth: AuthUser) =>
  Effect.gen(function*() {
    const { id = "" } = yield* HttpRouter.params
    if (!isUuid(id)) return yield* new BadRequest({ reason: "id must be a UUID" })
    const asset = yield* (yield* Repositories).assets.find(auth.user.id, id)
    if (asset === undefined) return yield* new NotFound({ reason: "Asset not found" })
    return asset
  })

/** The storage key of a stored path, or 404 when it lies outside the media location (an external library). */
const keyOfStored = (storedPath: string) =>
  Effect.gen(function*() {
    const engine = yield* StorageEngine
    const key = keyOf(engine.location, storedPath)
    if (key === undefined) {
      yield* Effect.logWarning(`Cannot serve ${storedPath}: it is not below the media location`)
      return yield* new NotFound({ reason: "Asset file not found" })
    }
    return key
  })

const presignPolicy = Effect.gen(function*() {
  const config = yield* ServerConfig
  return config.presignedDownloads ? { expirySeconds: config.presignedExpirySeconds } : undefined
})

/** `?size=` of the thumbnail endpoint; Immich's default is the thumbnail. */
const thumbnailSize = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  return new URL(request.url, "http://localhost").searchParams.get("size") ?? "thumbnail"
})

const bulkUploadCheck = authenticated((auth) =>
  Effect.gen(function*() {
    const { assets } = yield* jsonBodyAs(BulkUploadCheck, "bulk upload check", JSON_LIMITS.bulkUploadCheck)
    yield* checkItems("bulk-upload-check", assets.length, JSON_LIMITS.bulkUploadCheck)
    const parsed = assets.map((a) => ({ ...a, sha1: parseSha1(a.checksum) }))
    const invalid = parsed.find((a) => a.sha1 === undefined)
    if (invalid !== undefined) return yield* new BadRequest({ reason: `checksum of ${invalid.id} is not a SHA-1 in hex or base64` })
    const existing = yield* (yield* Repositories).assets.findByChecksums(auth.user.id, parsed.map((a) => a.sha1!))
    const results = parsed.map((a) => {
      const found = existing.get(a.sha1!.toString("hex"))
      return found === undefined
        ? { id: a.id, action: "accept" }
        : { id: a.id, action: "reject", reason: "duplicate", assetId: found.id, isTrashed: found.status === "trashed" }
    })
    return HttpServerResponse.jsonUnsafe({ results })
  })
)

const upload = authenticated((auth) =>
  Effect.gen(function*() {
    return yield* (yield* UploadGate).track(uploadAsset(auth))
  })
)

const statistics = authenticated((auth) =>
  Effect.gen(function*() {
    return HttpServerResponse.jsonUnsafe(yield* (yield* Repositories).assets.statistics(auth.user.id))
  })
)

const getAsset = authenticated((auth) => Effect.map(ownAsset(auth), (asset) => HttpServerResponse.jsonUnsafe(assetResponse(asset))))

const getOriginal = authenticated((auth) =>
  Effect.gen(function*() {
    const asset = yield* ownAsset(auth)
    const file = {
      key: yield* keyOfStored(asset.originalPath),
      etag: strongEtag(asset.checksum.toString("hex")),
      fileName: asset.originalFileName,
      contentType: mimeTypeOf(asset.originalFileName)
    }
    return yield* serveStored(file, yield* presignPolicy)
  })
)

const getThumbnail = authenticated((auth) =>
  Effect.gen(function*() {
    const asset = yield* ownAsset(auth)
    const size = yield* thumbnailSize
    if (size !== "thumbnail" && size !== "preview") return yield* new BadRequest({ reason: "size must be thumbnail or preview" })
    const row = yield* (yield* Repositories).assetFiles.find(asset.id, size)
    if (row === undefined) return yield* new NotFound({ reason: "Thumbnail not found" })
    const key = yield* keyOfStored(row.path)
    const format = GENERATED_FORMATS[size]
    const file = {
      key,
      etag: strongEtag(`${asset.id}-${size}-${row.updatedAt.getTime()}`),
      fileName: `${asset.originalFileName.replace(/\.[^.]*$/, "")}_${size}.${format.extension}`,
      contentType: format.contentType
    }
    return yield* serveStored(file, yield* presignPolicy)
  })
)

const removeAssets = authenticated((auth) =>
  Effect.gen(function*() {
    const { ids } = yield* jsonBodyAs(BulkDelete, "delete request", JSON_LIMITS.deleteAssets)
    yield* checkItems("Deleting assets", ids.length, JSON_LIMITS.deleteAssets)
    const invalid = ids.find((id) => !isUuid(id))
    if (invalid !== undefined) {
      const shown = JSON.stringify(invalid.slice(0, 64))
      return yield* new BadRequest({ reason: `ids: ${shown} is not an asset id (a UUID)` })
    }
    const engine = yield* StorageEngine
    const paths = yield* (yield* Repositories).assets.delete(auth.user.id, ids)
    const keys: Array<string> = []
    for (const p of paths) {
      const key = keyOf(engine.location, p)
      if (key === undefined) yield* Effect.logWarning(`Deleted asset file ${p} is not below the media location; left in place`)
      else keys.push(key)
    }
    yield* engine.delete(keys).pipe(
      // The rows are gone; a file that could not be removed is only wasted space, never a broken asset.
      Effect.catch((error) => Effect.logError(`Deleted ${ids.length} assets, but not all their files: ${error.message}`))
    )
    return HttpServerResponse.empty({ status: 204 })
  })
)

/**
 * Immich's asset endpoints: upload (deduplicated by checksum per user), metadata, the original and the
 * generated images (ranges, ETags, or presigned redirects on S3), and deletion. Immich without a trash:
 * `DELETE /api/assets` removes rows and files at once, whatever `force` says.
 */
export const assetRoutes = Layer.mergeAll(
  HttpRouter.add("POST", "/api/assets/bulk-upload-check", bulkUploadCheck),
  HttpRouter.add("POST", "/api/assets", upload),
  HttpRouter.add("DELETE", "/api/assets", removeAssets),
  HttpRouter.add("GET", "/api/assets/statistics", statistics),
  HttpRouter.add("GET", "/api/assets/:id", getAsset),
  HttpRouter.add("GET", "/api/assets/:id/original", getOriginal),
  HttpRouter.add("GET", "/api/assets/:id/thumbnail", getThumbnail)
)
