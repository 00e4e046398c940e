import { mimeTypeOf } from "./mediaTypes.ts"
import type { AssetRow } from "@immich-storage/core"

/**
 * Immich's `AssetResponseDto` with the fields this server can fill honestly. There is no EXIF extraction,
 * face recognition or stacking here, so `hasMetadata` is false and those fields are absent or empty.
 */
export const assetResponse = (asset: AssetRow) => ({
  id: asset.id,
  deviceAssetId: asset.deviceAssetId ?? "",
  deviceId: asset.deviceId ?? "",
  ownerId: asset.ownerId,
  libraryId: asset.libraryId,
  type: asset.type,
  originalPath: asset.originalPath,
  originalFileName: asset.originalFileName,
  originalMimeType: mimeTypeOf(asset.originalFileName),
  thumbhash: null,
  fileCreatedAt: asset.fileCreatedAt.toISOString(),
  fileModifiedAt: asset.fileModifiedAt.toISOString(),
  localDateTime: asset.localDateTime.toISOString(),
  createdAt: asset.createdAt.toISOString(),
  updatedAt: asset.updatedAt.toISOString(),
  isFavorite: asset.isFavorite,
  isArchived: asset.visibility === "archive",
  isTrashed: asset.status === "trashed",
  isOffline: asset.isOffline,
  visibility: asset.visibility,
  // v3 sends milliseconds (or null); a v2 database's text was read into milliseconds by the repository.
  duration: asset.duration,
  width: asset.width,
  height: asset.height,
  checksum: asset.checksum.toString("base64"),
  hasMetadata: false,
  isEdited: false,
  people: [],
  tags: []
})
