import { keyOf, Repositories, StorageEngine } from "@immich-storage/core"
import type { AssetRow, DatabaseError } from "@immich-storage/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { BadRequest, NotFound } from "../http/ApiError.ts"
import { strongEtag } from "../http/headers.ts"
import { parseSha1 } from "./checksum.ts"
import { chooseFullsize, playbackFile } from "./mediaFiles.ts"
import type { FullsizeChoice } from "./mediaFiles.ts"
import { mimeTypeOf } from "./mediaTypes.ts"
import type { StoredFileToServe } from "./serveStored.ts"
import { keyOfStored } from "./storedKey.ts"
import { Thumbnailer } from "./Thumbnailer.ts"
import { makeUpload } from "./uploadAsset.ts"
import type { UploadError, UploadOutcome, UploadParts } from "./uploadAsset.ts"

/** `AssetStatsResponseDto`: the owner's assets by type. */
export interface AssetStatistics {
  readonly images: number
  readonly videos: number
  readonly total: number
}

/** One file a client is about to upload (`AssetBulkUploadCheckItem`): its own id and its SHA-1. */
export interface UploadCandidate {
  readonly id: string
  readonly checksum: string
}

/** Immich's `AssetBulkUploadCheckResult`: upload it, or not, since this user already has it. */
export type UploadCheck =
  | { readonly id: string; readonly action: "accept" }
  | {
    readonly id: string
    readonly action: "reject"
    readonly reason: "duplicate"
    readonly assetId: string
    readonly isTrashed: boolean
  }

/**
 * What the asset endpoints do, free of HTTP: the handlers decode the request, call one of these and render
 * the answer. Every operation is on behalf of one owner; someone else's asset is as absent as a missing one.
 */
export class AssetService extends Context.Service<AssetService, {
  readonly upload: (ownerId: string, parts: UploadParts) => Effect.Effect<UploadOutcome, UploadError>
  /** Which of these files the owner already has, by checksum (400 when a checksum is not a SHA-1). */
  readonly checkUploads: (
    ownerId: string,
    candidates: ReadonlyArray<UploadCandidate>
  ) => Effect.Effect<ReadonlyArray<UploadCheck>, BadRequest | DatabaseError>
  readonly find: (ownerId: string, id: string) => Effect.Effect<AssetRow, NotFound | DatabaseError>
  /** The original of an asset, to serve. */
  readonly originalFile: (asset: AssetRow) => Effect.Effect<StoredFileToServe, NotFound>
  /** `?size=fullsize`: the full-size file, or where upstream redirects instead (`mediaFiles.ts`). */
  readonly fullsize: (asset: AssetRow) => Effect.Effect<FullsizeChoice, NotFound | DatabaseError>
  /** The video to play: upstream's transcode when there is one, else the original. */
  readonly playback: (asset: AssetRow) => Effect.Effect<StoredFileToServe, BadRequest | NotFound | DatabaseError>
  readonly statistics: (ownerId: string) => Effect.Effect<AssetStatistics, DatabaseError>
  /** Removes the owner's assets: rows first, then their files (a file left behind is only wasted space). */
  readonly remove: (ownerId: string, ids: ReadonlyArray<string>) => Effect.Effect<void, DatabaseError>
}>()("@immich-storage/server/AssetService") {
  static readonly layer: Layer.Layer<AssetService, never, StorageEngine | Repositories | Thumbnailer> = Layer.effect(
    AssetService,
    Effect.gen(function*() {
      const engine = yield* StorageEngine
      const { assetFiles, assets } = yield* Repositories
      const thumbnailer = yield* Thumbnailer

      const checkUploads = Effect.fn("AssetService.checkUploads")(function*(
        ownerId: string,
        candidates: ReadonlyArray<UploadCandidate>
      ) {
        const parsed = candidates.map((c) => ({ id: c.id, sha1: parseSha1(c.checksum) }))
        const invalid = parsed.find((c) => c.sha1 === undefined)
        if (invalid !== undefined) {
          return yield* new BadRequest({ reason: `checksum of ${invalid.id} is not a SHA-1 in hex or base64` })
        }
        const existing = yield* assets.findByChecksums(ownerId, parsed.map((c) => c.sha1!))
        return parsed.map((c): UploadCheck => {
          const found = existing.get(c.sha1!.toString("hex"))
          return found === undefined
            ? { id: c.id, action: "accept" }
            : {
              id: c.id,
              action: "reject",
              reason: "duplicate",
              assetId: found.id,
              isTrashed: found.status === "trashed"
            }
        })
      })

      const find = Effect.fn("AssetService.find")(function*(ownerId: string, id: string) {
        const asset = yield* assets.find(ownerId, id)
        if (asset === undefined) return yield* new NotFound({ reason: "Asset not found" })
        return asset
      })

      const originalFile = (asset: AssetRow) =>
        Effect.map(keyOfStored(engine.location, asset.originalPath), (key): StoredFileToServe => ({
          key,
          etag: strongEtag(asset.checksum.toString("hex")),
          fileName: asset.originalFileName,
          contentType: mimeTypeOf(asset.originalFileName)
        }))

      const remove = Effect.fn("AssetService.remove")(function*(ownerId: string, ids: ReadonlyArray<string>) {
        const paths = yield* assets.delete(ownerId, ids)
        const keys: Array<string> = []
        for (const path of paths) {
          const key = keyOf(engine.location, path)
          if (key !== undefined) keys.push(key)
          else yield* Effect.logWarning(`Deleted asset file ${path} is not below the media location; left in place`)
        }
        yield* engine.delete(keys).pipe(
          // The rows are gone; a file that could not be removed is only wasted space, never a broken asset.
          Effect.catch((error) =>
            Effect.logError(`Deleted ${ids.length} assets, but not all their files: ${error.message}`)
          )
        )
      })

      return AssetService.of({
        upload: makeUpload({ engine, assets, enqueueThumbnails: thumbnailer.enqueue }),
        checkUploads,
        find,
        originalFile,
        fullsize: (asset) => chooseFullsize(engine.location, assetFiles, asset),
        playback: (asset) => playbackFile(engine.location, assetFiles, asset, originalFile),
        statistics: assets.statistics,
        remove
      })
    })
  )
}
