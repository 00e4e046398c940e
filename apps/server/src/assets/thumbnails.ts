/** Immich's sizes: the grid thumbnail (WebP) and the full-screen preview (JPEG), by their shorter side. */
export const THUMBNAIL_SIZE = 250
export const PREVIEW_SIZE = 1440
/** Larger originals are not decoded for thumbnails: sharp holds the whole input in memory. */
export const MAX_THUMBNAIL_SOURCE_BYTES = 256 * 1024 * 1024

/** The file format of each generated image: its key's extension and its content type. */
export const GENERATED_FORMATS = {
  thumbnail: { extension: "webp", contentType: "image/webp" },
  preview: { extension: "jpeg", contentType: "image/jpeg" }
} as const
