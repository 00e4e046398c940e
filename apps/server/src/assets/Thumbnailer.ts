import { generatedImageKey, pathOf, Repositories, StorageEngine } from "@immich-storage/core"
import type { AssetRow, DatabaseError } from "@immich-storage/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import { NotFound } from "../http/ApiError.ts"
import { strongEtag } from "../http/headers.ts"
import { extensionOf, THUMBNAIL_SOURCES } from "./mediaTypes.ts"
import type { StoredFileToServe } from "./serveStored.ts"
import { keyOfStored } from "./storedKey.ts"
import { GENERATED_FORMATS, MAX_THUMBNAIL_SOURCE_BYTES } from "./thumbnails.ts"

export interface ThumbnailJob {
  readonly assetId: string
  readonly ownerId: string
  /** The original's storage key. */
  readonly key: string
  readonly fileName: string
}

/** Immich's generated image sizes (`?size=` of the thumbnail endpoint). */
export type GeneratedSize = keyof typeof GENERATED_FORMATS

/**
 * Generates thumbnails and previews in the background, one image at a time (decoding is CPU-heavy and
 * uploads should not wait for it), as Immich's thumbnail job does after an upload. A file that is not a
 * decodable image simply gets none; nothing here ever fails an upload.
 */
export class Thumbnailer extends Context.Service<Thumbnailer, {
  readonly enqueue: (job: ThumbnailJob) => Effect.Effect<void>
  /** The generated image of an asset, to serve; 404 while none was made (or none could be). */
  readonly generatedFile: (
    asset: AssetRow,
    size: GeneratedSize
  ) => Effect.Effect<StoredFileToServe, NotFound | DatabaseError>
}>()("@immich-storage/server/Thumbnailer") {
  static readonly layer: Layer.Layer<Thumbnailer, never, StorageEngine | Repositories> = Layer.effect(
    Thumbnailer,
    Effect.gen(function*() {
      const engine = yield* StorageEngine
      const { assetFiles } = yield* Repositories
      const queue = yield* Queue.unbounded<ThumbnailJob>()

      const generate = Effect.fn("Thumbnailer.generate")(function*(job: ThumbnailJob) {
        if (!THUMBNAIL_SOURCES.has(extensionOf(job.fileName))) return
        const source = yield* engine.readSmall(job.key, MAX_THUMBNAIL_SOURCE_BYTES)
        if (source === undefined) {
          return yield* Effect.logInfo(
            `No thumbnail for asset ${job.assetId}: the original is larger than ${MAX_THUMBNAIL_SOURCE_BYTES} bytes`
          )
        }
        const original = Buffer.from(source.bytes.buffer, source.bytes.byteOffset, source.bytes.byteLength)
        // sharp (libvips, about 20 MiB) is loaded with the first image, not at boot.
        const { renderImages } = yield* Effect.promise(() => import("./render.ts"))
        const images = yield* Effect.tryPromise(() => renderImages(original)).pipe(
          Effect.tapError(() =>
            Effect.logInfo(
              `No thumbnail for asset ${job.assetId} (${job.fileName}): not an image this server can decode`
            )
          ),
          Effect.option
        )
        if (images._tag === "None") return
        const { height, preview, thumbnail, width } = images.value
        const thumbnailKey = generatedImageKey(
          job.ownerId,
          job.assetId,
          "thumbnail",
          GENERATED_FORMATS.thumbnail.extension
        )
        const previewKey = generatedImageKey(job.ownerId, job.assetId, "preview", GENERATED_FORMATS.preview.extension)
        let recorded = false
        yield* Effect.gen(function*() {
          yield* engine.put(thumbnailKey, thumbnail, { contentType: GENERATED_FORMATS.thumbnail.contentType })
          yield* engine.put(previewKey, preview, { contentType: GENERATED_FORMATS.preview.contentType })
          recorded = yield* assetFiles.recordGenerated(job.assetId, [
            { type: "thumbnail", path: pathOf(engine.location, thumbnailKey) },
            { type: "preview", path: pathOf(engine.location, previewKey) }
          ], width > 0 && height > 0 ? { width, height } : undefined)
        }).pipe(
          // The asset was deleted meanwhile, or this failed half-way: leave no file without a row.
          Effect.ensuring(
            Effect.suspend(
              () => (recorded ? Effect.void : engine.delete([thumbnailKey, previewKey]).pipe(Effect.ignore))
            )
          )
        )
      })

      yield* Effect.forkScoped(Effect.forever(
        Queue.take(queue).pipe(
          Effect.flatMap((job) =>
            generate(job).pipe(
              Effect.catch((error) =>
                Effect.logWarning(`Thumbnail generation failed for asset ${job.assetId}: ${error.message}`)
              )
            )
          )
        )
      ))
      const generatedFile = Effect.fn("Thumbnailer.generatedFile")(function*(asset: AssetRow, size: GeneratedSize) {
        const row = yield* assetFiles.find(asset.id, size)
        if (row === undefined) return yield* new NotFound({ reason: "Thumbnail not found" })
        const format = GENERATED_FORMATS[size]
        return {
          key: yield* keyOfStored(engine.location, row.path),
          etag: strongEtag(`${asset.id}-${size}-${row.updatedAt.getTime()}`),
          fileName: `${asset.originalFileName.replace(/\.[^.]*$/, "")}_${size}.${format.extension}`,
          contentType: format.contentType
        } satisfies StoredFileToServe
      })
      return Thumbnailer.of({ enqueue: (job) => Queue.offer(queue, job).pipe(Effect.asVoid), generatedFile })
    })
  )
}
