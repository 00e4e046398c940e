import { originalKey, pathOf } from "@immich-storage/core"
import type { AssetRepository, DatabaseError, StorageEngineShape, StorageError } from "@immich-storage/core"
import * as Effect from "effect/Effect"
import type { Multipart } from "effect/http"
import * as Stream from "effect/Stream"
import { createHash, randomUUID } from "node:crypto"
import { BadRequest } from "../http/ApiError.ts"
import type { PayloadTooLarge } from "../http/ApiError.ts"
import { multipartFailure } from "../http/requestBody.ts"
import { mediaTypeOf } from "./mediaTypes.ts"
import type { ThumbnailJob } from "./Thumbnailer.ts"
import { readUploadFields, receiveForm } from "./uploadForm.ts"
import type { FileTargets, StoredFile } from "./uploadForm.ts"

/** An upload's answer: a new asset, or the one this user already had with the same checksum. */
export interface UploadOutcome {
  readonly id: string
  readonly status: "created" | "duplicate"
}

export type UploadError = BadRequest | PayloadTooLarge | StorageError | DatabaseError

/** The parts of an upload's multipart body, failing as the client's fault when the body is not a form. */
export type UploadParts = Stream.Stream<Multipart.Part, BadRequest | PayloadTooLarge>

interface UploadServices {
  readonly engine: StorageEngineShape
  readonly assets: AssetRepository
  readonly enqueueThumbnails: (job: ThumbnailJob) => Effect.Effect<void>
}

/** Streams one file of the form into the engine, SHA-1 and size computed on the way; nothing is buffered. */
const storeFile = (engine: StorageEngineShape, part: Multipart.File, key: string, contentType: string) =>
  Effect.suspend(() => {
    const hash = createHash("sha1")
    let size = 0
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

/** Deletes what an upload wrote when it did not end in a new asset; a failure is logged, the answer stands. */
const deleteWritten = (engine: StorageEngineShape, written: ReadonlyArray<string>) =>
  written.length === 0
    ? Effect.void
    : engine.delete(written).pipe(
      Effect.catch((error) =>
        Effect.logError(`Could not delete the files of an unfinished upload (${written.join(", ")}): ${error.message}`)
      )
    )

/**
 * `upload(ownerId, parts)`: the original (and an optional XMP sidecar) streamed from the form straight into
 * the engine. The row is written only once the files are complete, in one statement that also decides
 * duplicates. Whatever ends the upload early (a client that disconnects, a bad field, a shutdown, a failed
 * insert) deletes the files it wrote; a duplicate deletes them too and answers with the asset that was there
 * first. A new asset is queued for thumbnails.
 */
export const makeUpload = ({ assets, engine, enqueueThumbnails }: UploadServices) =>
  Effect.fn("AssetService.upload")(function*(ownerId: string, parts: UploadParts) {
    const assetId = randomUUID()
    const written: Array<string> = []
    let kept = false
    const store = (part: Multipart.File, key: string, contentType: string) => {
      written.push(key)
      return storeFile(engine, part, key, contentType)
    }
    const targets: FileTargets<UploadError, never> = {
      original: (part, extension, mimeType) => store(part, originalKey(ownerId, assetId, extension), mimeType),
      sidecar: (part) => store(part, originalKey(ownerId, assetId, ".xmp"), "application/xml")
    }
    const { original, outcome } = yield* Effect.gen(function*() {
      const { fields, original, sidecar } = yield* receiveForm(parts, targets)
      if (original === undefined) return yield* new BadRequest({ reason: "assetData is required: the file to upload" })
      const asset = yield* readUploadFields(fields, original)
      const outcome = yield* assets.insert({
        ...asset,
        id: assetId,
        ownerId,
        type: mediaTypeOf(original.fileName)!.type,
        originalPath: pathOf(engine.location, original.key),
        checksum: original.sha1,
        fileSize: original.size,
        sidecarPath: sidecar === undefined ? undefined : pathOf(engine.location, sidecar.key)
      })
      kept = outcome.created
      return { original, outcome }
    }).pipe(
      // Runs on success, failure and interruption alike; finalizers cannot themselves be interrupted.
      Effect.ensuring(Effect.suspend(() => (kept ? Effect.void : deleteWritten(engine, written))))
    )
    if (!outcome.created) return { id: outcome.id, status: "duplicate" } satisfies UploadOutcome
    yield* enqueueThumbnails({ assetId, ownerId, key: original.key, fileName: original.fileName })
    return { id: assetId, status: "created" } satisfies UploadOutcome
  })
