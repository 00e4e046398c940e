import { parseClientDuration } from "@immich-storage/core"
import * as Effect from "effect/Effect"
import type { Multipart } from "effect/http"
import * as Stream from "effect/Stream"
import { BadRequest, PayloadTooLarge } from "../http/ApiError.ts"
import { FORM_LIMITS, formatBytes, multipartFailure } from "../http/requestBody.ts"
import { parseFormDate } from "./formDate.ts"
import { extensionOf, mediaTypeOf } from "./mediaTypes.ts"

/** A file of the form, written to storage while it arrived. */
export interface StoredFile {
  readonly key: string
  readonly fileName: string
  readonly sha1: Buffer
  readonly size: number
}

/** The form as received: its text fields, and the files already stored. */
export interface ReceivedForm {
  readonly fields: ReadonlyMap<string, string>
  readonly original: StoredFile | undefined
  readonly sidecar: StoredFile | undefined
}

/** Where the form's files go: the original (by its extension, refused when Immich refuses it) and the sidecar. */
export interface FileTargets<E, R> {
  readonly original: (part: Multipart.File, extension: string, mimeType: string) => Effect.Effect<StoredFile, E, R>
  readonly sidecar: (part: Multipart.File) => Effect.Effect<StoredFile, E, R>
}

/**
 * The form fields every Immich uploader sends beside `assetData`. `deviceAssetId` and `deviceId` are
 * optional: the v3 `immich` CLI no longer sends them, older clients and the mobile app do.
 */
const REQUIRED_FIELDS = ["fileCreatedAt", "fileModifiedAt"] as const
/** The text fields this server reads; any other is counted against the limits and dropped. */
const USED_FIELDS = new Set([
  ...REQUIRED_FIELDS,
  "deviceAssetId",
  "deviceId",
  "duration",
  "filename",
  "isFavorite",
  "visibility"
])
const VISIBILITIES = new Set(["archive", "timeline", "hidden", "locked"])

/**
 * Reads the parts in the order they arrive: text fields are held (within `FORM_LIMITS`), the first
 * `assetData` and `sidecarData` files are handed to `targets` as they stream, anything else is read through.
 */
export const receiveForm = <E, R, E2, R2>(
  parts: Stream.Stream<Multipart.Part, E, R>,
  targets: FileTargets<E2, R2>
) =>
  Effect.suspend(() => {
    const fields = new Map<string, string>()
    let fieldBytes = 0
    let original: StoredFile | undefined
    let sidecar: StoredFile | undefined
    type Step = Effect.Effect<void, E2 | BadRequest | PayloadTooLarge, R2>
    const keepField = (part: Multipart.Field): Step => {
      fieldBytes += Buffer.byteLength(part.value)
      if (fieldBytes > FORM_LIMITS.fieldsTotalBytes) {
        const limit = formatBytes(FORM_LIMITS.fieldsTotalBytes)
        const reason = `The form's text fields together are larger than ${limit}, the limit`
        return Effect.fail(new PayloadTooLarge({ reason }))
      }
      if (USED_FIELDS.has(part.key)) fields.set(part.key, part.value)
      return Effect.void
    }
    const storeFile = (part: Multipart.File): Step => {
      if (part.key === "assetData" && original === undefined) {
        const media = mediaTypeOf(part.name)
        if (media === undefined) {
          const reason = `Unsupported file type: ${extensionOf(part.name) || "no extension"}`
          return Effect.fail(new BadRequest({ reason }))
        }
        return targets.original(part, extensionOf(part.name), media.mimeType).pipe(
          Effect.map((f) => void (original = f))
        )
      }
      if (part.key === "sidecarData" && sidecar === undefined) {
        return targets.sidecar(part).pipe(Effect.map((f) => void (sidecar = f)))
      }
      // Parts this server does not use are read through, so the next part can be parsed.
      return Stream.runDrain(part.content).pipe(Effect.mapError(multipartFailure))
    }
    return Stream.runForEach(parts, (part) => (part._tag === "Field" ? keepField(part) : storeFile(part))).pipe(
      Effect.map((): ReceivedForm => ({ fields, original, sidecar }))
    )
  })

/** The asset's fields, read from the form and checked. */
export interface UploadFields {
  readonly fileCreatedAt: Date
  readonly fileModifiedAt: Date
  readonly originalFileName: string
  readonly deviceAssetId: string | null
  readonly deviceId: string | null
  readonly visibility: string
  readonly isFavorite: boolean
  readonly duration: number | null
}

const shown = (value: string) => JSON.stringify(value.slice(0, 64))

const parseDate = (name: string, value: string) => {
  const date = parseFormDate(value)
  return date === undefined
    ? Effect.fail(
      new BadRequest({
        reason: `${name} must be an ISO 8601 date from year 1 to 9999, a day that exists (got ${shown(value)})`
      })
    )
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

/** The fields of a received form, or 400 saying which one is missing or wrong. */
export const readUploadFields = (fields: ReadonlyMap<string, string>, original: StoredFile) =>
  Effect.gen(function*() {
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
    if (!VISIBILITIES.has(visibility)) {
      return yield* new BadRequest({ reason: "visibility must be archive, timeline, hidden or locked" })
    }
    const duration = yield* parseDuration(fields.get("duration"))
    const isFavorite = fields.get("isFavorite") === "true"
    return {
      fileCreatedAt,
      fileModifiedAt,
      originalFileName,
      deviceAssetId: deviceAssetId || null,
      deviceId: deviceId || null,
      visibility,
      isFavorite,
      duration
    } satisfies UploadFields
  })
