import type { AssetFileRepository, AssetRow, DatabaseError, MediaLocation } from "@immich-storage/core"
import * as Effect from "effect/Effect"
import { BadRequest, NotFound } from "../http/ApiError.ts"
import { strongEtag } from "../http/headers.ts"
import { extensionOf, mimeTypeOf } from "./mediaTypes.ts"
import type { StoredFileToServe } from "./serveStored.ts"
import { keyOfStored } from "./storedKey.ts"

/** Upstream's `isWebSupportedImage`: originals a browser shows as they are, so no full-size copy is made. */
const WEB_SUPPORTED_IMAGES = new Set([".avif", ".gif", ".jpeg", ".jpg", ".png", ".webp"])

/**
 * `?size=fullsize` as upstream answers it: a redirect to the original when a browser can show it, else the
 * `fullsize` file upstream generated (for RAW or HEIC originals), else a redirect to the preview (full-size
 * images are off by default upstream, and never generated here).
 */
export type FullsizeChoice =
  | { readonly _tag: "file"; readonly file: StoredFileToServe }
  | { readonly _tag: "redirect"; readonly to: "original" | "preview" }

/** A stored generated or transcoded file of an asset, ready to serve; undefined when there is none. */
const storedFile = (
  location: MediaLocation,
  assetFiles: AssetFileRepository,
  asset: AssetRow,
  type: "fullsize" | "encoded_video"
): Effect.Effect<StoredFileToServe | undefined, NotFound | DatabaseError> =>
  Effect.gen(function*() {
    const row = yield* assetFiles.find(asset.id, type)
    if (row === undefined) return undefined
    const extension = extensionOf(row.path)
    return {
      key: yield* keyOfStored(location, row.path),
      etag: strongEtag(`${asset.id}-${type}-${row.updatedAt.getTime()}`),
      fileName: `${asset.originalFileName.replace(/\.[^.]*$/, "")}${extension}`,
      contentType: mimeTypeOf(row.path)
    }
  })

export const chooseFullsize = (
  location: MediaLocation,
  assetFiles: AssetFileRepository,
  asset: AssetRow
): Effect.Effect<FullsizeChoice, NotFound | DatabaseError> => {
  if (WEB_SUPPORTED_IMAGES.has(extensionOf(asset.originalPath))) {
    return Effect.succeed({ _tag: "redirect", to: "original" })
  }
  return Effect.map(
    storedFile(location, assetFiles, asset, "fullsize"),
    (file): FullsizeChoice => file === undefined ? { _tag: "redirect", to: "preview" } : { _tag: "file", file }
  )
}

/**
 * What `GET /api/assets/{id}/video/playback` streams, as upstream: the transcoded video when upstream made
 * one (an `encoded_video` file), else the original. Only videos play (400 otherwise, upstream's answer).
 */
export const playbackFile = (
  location: MediaLocation,
  assetFiles: AssetFileRepository,
  asset: AssetRow,
  original: (asset: AssetRow) => Effect.Effect<StoredFileToServe, NotFound>
): Effect.Effect<StoredFileToServe, BadRequest | NotFound | DatabaseError> =>
  asset.type !== "VIDEO"
    ? Effect.fail(new BadRequest({ reason: "Asset is not a video" }))
    : Effect.flatMap(storedFile(location, assetFiles, asset, "encoded_video"), (encoded) =>
      encoded === undefined ? original(asset) : Effect.succeed(encoded))
