import * as Effect from "effect/Effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { BadRequest } from "../http/ApiError.ts"
import { authenticated, jsonBodyAs } from "../http/handle.ts"
import { idParam, queryAs, uuidNamed } from "../http/params.ts"
import { checkItems, JSON_LIMITS, multipartParts, whileReceiving } from "../http/requestBody.ts"
import { UploadGate } from "../http/UploadGate.ts"
import { ServerConfig } from "../ServerConfig.ts"
import { AssetService } from "./AssetService.ts"
import { serveStored } from "./serveStored.ts"
import { Thumbnailer } from "./Thumbnailer.ts"

const BulkUploadCheck = Schema.Struct({
  assets: Schema.Array(Schema.Struct({ id: Schema.String, checksum: Schema.String }))
})
const BulkDelete = Schema.Struct({ ids: Schema.Array(Schema.String), force: Schema.optional(Schema.Boolean) })
/** `?size=` of the thumbnail endpoint (upstream's `AssetMediaSize`); Immich's default is the thumbnail. */
const ThumbnailQuery = Schema.Struct({
  size: Schema.optional(Schema.Literals(["thumbnail", "preview", "fullsize", "original"]))
})
const SIZE_PROBLEM = "size must be thumbnail, preview, fullsize or original"

const presignPolicy = Effect.gen(function*() {
  const config = yield* ServerConfig
  return config.presignedDownloads ? { expirySeconds: config.presignedExpirySeconds } : undefined
})

const bulkUploadCheck = authenticated((auth) =>
  Effect.gen(function*() {
    const { assets } = yield* jsonBodyAs(BulkUploadCheck, "bulk upload check", JSON_LIMITS.bulkUploadCheck)
    yield* checkItems("bulk-upload-check", assets.length, JSON_LIMITS.bulkUploadCheck)
    const results = yield* (yield* AssetService).checkUploads(auth.user.id, assets)
    return HttpServerResponse.jsonUnsafe({ results })
  })
)

/** `POST /api/assets`: streamed, watched for a stalled client, and interrupted by a shutdown. */
const upload = authenticated((auth) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (!/^multipart\/form-data/i.test(request.headers["content-type"] ?? "")) {
      return yield* new BadRequest({ reason: "Send the asset as multipart/form-data with an assetData file" })
    }
    const uploading = (yield* AssetService).upload(auth.user.id, yield* multipartParts)
    const { id, status } = yield* (yield* UploadGate).track(whileReceiving(uploading))
    return HttpServerResponse.jsonUnsafe({ id, status }, { status: status === "created" ? 201 : 200 })
  })
)

const getOriginal = authenticated((auth) =>
  Effect.gen(function*() {
    const assets = yield* AssetService
    const file = yield* assets.originalFile(yield* assets.find(auth.user.id, yield* idParam))
    return yield* serveStored(file, yield* presignPolicy)
  })
)

/**
 * Upstream's redirects of the thumbnail endpoint, keeping the other query parameters: to the original
 * (relative, `original?…`) or to this endpoint with another size.
 */
const redirectTo = (target: "original" | "preview") =>
  Effect.map(HttpServerRequest.HttpServerRequest, (request) => {
    const [path = "", search = ""] = request.url.split("?", 2)
    const params = new URLSearchParams(search)
    if (target === "original") params.delete("size")
    else params.set("size", target)
    const query = params.toString()
    const location = target === "original" ? "original" : path
    return HttpServerResponse.redirect(query === "" ? location : `${location}?${query}`, { status: 302 })
  })

const getThumbnail = authenticated((auth) =>
  Effect.gen(function*() {
    const assets = yield* AssetService
    const asset = yield* assets.find(auth.user.id, yield* idParam)
    const { size = "thumbnail" } = yield* queryAs(ThumbnailQuery, SIZE_PROBLEM)
    if (size === "original") return yield* redirectTo("original")
    if (size === "fullsize") {
      const choice = yield* assets.fullsize(asset)
      if (choice._tag === "redirect") return yield* redirectTo(choice.to)
      return yield* serveStored(choice.file, yield* presignPolicy)
    }
    const file = yield* (yield* Thumbnailer).generatedFile(asset, size)
    return yield* serveStored(file, yield* presignPolicy)
  })
)

/** `GET /api/assets/{id}/video/playback`: ranges and ETags as for originals, so players can seek. */
const playVideo = authenticated((auth) =>
  Effect.gen(function*() {
    const assets = yield* AssetService
    const file = yield* assets.playback(yield* assets.find(auth.user.id, yield* idParam))
    return yield* serveStored(file, yield* presignPolicy)
  })
)

const isAssetId: (id: string) => boolean = Schema.is(uuidNamed("ids"))

const removeAssets = authenticated((auth) =>
  Effect.gen(function*() {
    const { ids } = yield* jsonBodyAs(BulkDelete, "delete request", JSON_LIMITS.deleteAssets)
    yield* checkItems("Deleting assets", ids.length, JSON_LIMITS.deleteAssets)
    const invalid = ids.find((id) => !isAssetId(id))
    if (invalid !== undefined) {
      const shown = JSON.stringify(invalid.slice(0, 64))
      return yield* new BadRequest({ reason: `ids: ${shown} is not an asset id (a UUID)` })
    }
    yield* (yield* AssetService).remove(auth.user.id, ids)
    return HttpServerResponse.empty({ status: 204 })
  })
)

/**
 * Immich's asset endpoints that read a body or stream a file, as raw routes (the JSON-only ones are in
 * `api/ImmichApi.ts`): upload (deduplicated by checksum per user), the original and the generated images
 * (ranges, ETags, or presigned redirects on S3), and deletion. Immich without a trash: `DELETE /api/assets`
 * removes rows and files at once, whatever `force` says.
 */
export const assetRoutes = Layer.mergeAll(
  HttpRouter.add("POST", "/api/assets/bulk-upload-check", bulkUploadCheck),
  HttpRouter.add("POST", "/api/assets", upload),
  HttpRouter.add("DELETE", "/api/assets", removeAssets),
  HttpRouter.add("GET", "/api/assets/:id/original", getOriginal),
  HttpRouter.add("GET", "/api/assets/:id/thumbnail", getThumbnail),
  HttpRouter.add("GET", "/api/assets/:id/video/playback", playVideo)
)
