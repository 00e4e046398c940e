import { mimeTypeOf } from "./mediaTypes.ts"
import type { AssetRow } from "./assetRows.ts"

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
  duration: formatDuration(asset.duration),
  width: asset.width,
  height: asset.height,
  checksum: asset.checksum.toString("base64"),
  hasMetadata: false,
  isEdited: false,
  people: [],
  tags: []
})

/** Immich's duration text (`H:MM:SS.fffff`); images have `0:00:00.00000`. */
export const formatDuration = (milliseconds: number | null): string => {
  const ms = milliseconds ?? 0
  const hours = Math.floor(ms / 3_600_000)
  const minutes = Math.floor((ms % 3_600_000) / 60_000)
  const seconds = (ms % 60_000) / 1000
  return `${hours}:${String(minutes).padStart(2, "0")}:${seconds.toFixed(5).padStart(8, "0")}`
}
