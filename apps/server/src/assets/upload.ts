import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import type { Multipart } from "effect/http"
import { createHash, randomUUID } from "node:crypto"
import { originalKey, parseClientDuration, pathOf, Repositories, StorageEngine } from "@immich-storage/core"
import type { AuthUser } from "../auth/Auth.ts"
import { BadRequest, PayloadTooLarge } from "../http/ApiError.ts"
import { FORM_LIMITS, formatBytes, multipartFailure, multipartParts, whileReceiving } from "../http/requestBody.ts"
import { parseFormDate } from "./formDate.ts"
import { extensionOf, mediaTypeOf } from "./mediaTypes.ts"
import { Thumbnailer } from "./Thumbnailer.ts"

interface StoredFile {
  readonly key: string
  readonly fileName: string
  readonly sha1: Buffer
  readonly size: number
}

/**
 * The form fields every Immich uploader sends beside `assetData`. `deviceAssetId` and `deviceId` are
 * optional: the v3 `immich` CLI no longer sends them, older clients and the mobile app do.
 */
const REQUIRED_FIELDS = ["fileCreatedAt", "fileModifiedAt"] as const
/** The text fields this server reads; any other is counted against the limits and dropped. */
const USED_FIELDS = new Set([...REQUIRED_FIELDS, "deviceAssetId", "deviceId", "duration", "filename", "isFavorite", "visibility"])
const VISIBILITIES = new Set(["archive", "timeline", "hidden", "locked"])

const shown = (value: string) => JSON.stringify(value.slice(0, 64))

const parseDate = (name: string, value: string) => {
  const date = parseFormDate(value)
  return date === undefined
    ? Effect.fail(new BadRequest({
      reason: `${name} must be an ISO 8601 date from year 1 to 9999, a day that exists (got ${shown(value)})`
    }))
    : Effect.succeed(date)
}

/** Immich's optional `duration`: milliseconds (v3 clients) or `H:MM:SS.ffffff` (v2 clients). */
const parseDuration = (value: string | undefined) => {
  if (value === undefined || value === "") return Effect.succeed(null)
  const ms = parseClientDuration(value)
  return ms === undefined
    ? Effect.fail(new BadRequest({ reason: `duration must be milliseconds or H:MM:SS.ffffff (got ${shown(value)})` }))
    : Effect.succeed(ms)
}

/** PostgreSQL's text columns cannot hold NUL; the name says which field had one. */
const plainText = (name: string, value: string | undefined) =>
  value !== undefined && value.includes("\u0000")
    ? Effect.fail(new BadRequest({ reason: `${name} must not contain NUL characters` }))
    : Effect.succeed(value)

/**
 * `POST /api/assets`: the original (and an optional XMP sidecar) streamed from the multipart body straight
 * into the engine, SHA-1 computed on the way; nothing is buffered beyond the engine's parts. The row is
 * written only once the files are complete, in one statement that also decides duplicates. Whatever
 * ends the request early (a client that disconnects, a bad field, a shutdown, a failed insert) deletes
 * the files it wrote; a duplicate deletes them too and answers with the asset that was there first.
 */
export const uploadAsset = (auth: AuthUser) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const engine = yield* StorageEngine
    const { assets } = yield* Repositories
    const thumbnailer = yield* Thumbnailer
    if (!/^multipart\/form-data/i.test(request.headers["content-type"] ?? "")) {
      return yield* new BadRequest({ reason: "Send the asset as multipart/form-data with an assetData file" })
    }
    const ownerId = auth.user.id
    const assetId = randomUUID()
    const written: Array<string> = []
    let keep = false

    const storePart = (part: Multipart.File, key: string, contentType: string) =>
      Effect.suspend(() => {
        const hash = createHash("sha1")
        let size = 0
        written.push(key)
        const hashed = part.content.pipe(Stream.map((chunk) => {
          hash.update(chunk)
          size += chunk.length
          return chunk
        }))
        return engine.put(key, hashed, { contentType }).pipe(
          Effect.mapError((error) => (error._tag === "MultipartError" ? multipartFailure(error) : error)),
          Effect.map((): StoredFile => ({ key, fileName: part.name, sha1: hash.digest(), size }))
        )
      })

    const receive = Effect.gen(function*() {
      const fields = new Map<string, string>()
      let fieldBytes = 0
      let original: StoredFile | undefined
      let sidecar: StoredFile | undefined
      yield* Stream.runForEach(yield* multipartParts, (part) => {
        if (part._tag === "Field") {
          fieldBytes += Buffer.byteLength(part.value)
          if (fieldBytes > FORM_LIMITS.fieldsTotalBytes) {
            const limit = formatBytes(FORM_LIMITS.fieldsTotalBytes)
            const reason = `The form's text fields together are larger than ${limit}, the limit`
            return Effect.fail(new PayloadTooLarge({ reason }))
          }
          if (USED_FIELDS.has(part.key)) fields.set(part.key, part.value)
          return Effect.void
        }
        if (part.key === "assetData" && original === undefined) {
          const media = mediaTypeOf(part.name)
          if (media === undefined) return Effect.fail(new BadRequest({ reason: `Unsupported file type: ${extensionOf(part.name) || "no extension"}` }))
          return storePart(part, originalKey(ownerId, assetId, extensionOf(part.name)), media.mimeType).pipe(Effect.map((f) => void (original = f)))
        }
        if (part.key === "sidecarData" && sidecar === undefined) {
          return storePart(part, originalKey(ownerId, assetId, ".xmp"), "application/xml").pipe(Effect.map((f) => void (sidecar = f)))
        }
        // Parts this server does not use are read through, so the next part can be parsed.
        return Stream.runDrain(part.content).pipe(Effect.mapError(multipartFailure))
      })
      return { fields, original, sidecar }
    })

    const result = yield* Effect.gen(function*() {
      const { fields, original, sidecar } = yield* whileReceiving(receive)
      if (original === undefined) return yield* new BadRequest({ reason: "assetData is required: the file to upload" })
      for (const name of REQUIRED_FIELDS) {
        if ((fields.get(name) ?? "") === "") return yield* new BadRequest({ reason: `${name} is required` })
      }
      const fileCreatedAt = yield* parseDate("fileCreatedAt", fields.get("fileCreatedAt")!)
      const fileModifiedAt = yield* parseDate("fileModifiedAt", fields.get("fileModifiedAt")!)
      const originalFileName = (yield* plainText("filename", fields.get("filename"))) ||
        (yield* plainText("assetData's file name", original.fileName))!
      const deviceAssetId = yield* plainText("deviceAssetId", fields.get("deviceAssetId"))
      const deviceId = yield* plainText("deviceId", fields.get("deviceId"))
      const visibility = fields.get("visibility") || "timeline"
      if (!VISIBILITIES.has(visibility)) return yield* new BadRequest({ reason: "visibility must be archive, timeline, hidden or locked" })
      const duration = yield* parseDuration(fields.get("duration"))
      const outcome = yield* assets.insert({
        id: assetId,
        ownerId,
        deviceAssetId: deviceAssetId || null,
        deviceId: deviceId || null,
        visibility,
        type: mediaTypeOf(original.fileName)!.type,
        originalPath: pathOf(engine.location, original.key),
        originalFileName,
        checksum: original.sha1,
        fileCreatedAt,
        fileModifiedAt,
        isFavorite: fields.get("isFavorite") === "true",
        duration,
        fileSize: original.size,
        sidecarPath: sidecar === undefined ? undefined : pathOf(engine.location, sidecar.key)
      })
      keep = outcome.created
      return { outcome, original }
    }).pipe(
      // Runs on success, failure and interruption alike; finalizers cannot themselves be interrupted.
      Effect.ensuring(Effect.suspend(() =>
        keep || written.length === 0
          ? Effect.void
          : engine.delete(written).pipe(
            Effect.catch((error) => Effect.logError(`Could not delete the files of an unfinished upload (${written.join(", ")}): ${error.message}`))
          )
      ))
    )

    if (!result.outcome.created) {
      return HttpServerResponse.jsonUnsafe({ id: result.outcome.id, status: "duplicate" }, { status: 200 })
    }
    yield* thumbnailer.enqueue({ assetId, ownerId, key: result.original.key, fileName: result.original.fileName })
    return HttpServerResponse.jsonUnsafe({ id: assetId, status: "created" }, { status: 201 })
  })
