/**
 * The file types Immich accepts, by extension, with their MIME types (upstream's `mime-types.ts`):
 * what `GET /api/server/media-types` lists and what an upload is checked against.
 */
const IMAGE: Record<string, string> = {
  ".3fr": "image/3fr",
  ".ari": "image/ari",
  ".arw": "image/arw",
  ".avif": "image/avif",
  ".bmp": "image/bmp",
  ".cap": "image/cap",
  ".cin": "image/cin",
  ".cr2": "image/cr2",
  ".cr3": "image/cr3",
  ".crw": "image/crw",
  ".dcr": "image/dcr",
  ".dng": "image/dng",
  ".erf": "image/erf",
  ".fff": "image/fff",
  ".gif": "image/gif",
  ".heic": "image/heic",
  ".heif": "image/heif",
  ".hif": "image/hif",
  ".iiq": "image/iiq",
  ".insp": "image/jpeg",
  ".jp2": "image/jp2",
  ".jpe": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".jpg": "image/jpeg",
  ".jxl": "image/jxl",
  ".k25": "image/k25",
  ".kdc": "image/kdc",
  ".mpo": "image/jpeg",
  ".mrw": "image/mrw",
  ".nef": "image/nef",
  ".nrw": "image/nrw",
  ".orf": "image/orf",
  ".ori": "image/ori",
  ".pef": "image/pef",
  ".png": "image/png",
  ".psd": "image/psd",
  ".raf": "image/raf",
  ".raw": "image/raw",
  ".rw2": "image/rw2",
  ".rwl": "image/rwl",
  ".sr2": "image/sr2",
  ".srf": "image/srf",
  ".srw": "image/srw",
  ".svg": "image/svg+xml",
  ".tif": "image/tiff",
  ".tiff": "image/tiff",
  ".webp": "image/webp",
  ".x3f": "image/x3f"
}
const VIDEO: Record<string, string> = {
  ".3gp": "video/3gpp",
  ".3gpp": "video/3gpp",
  ".avi": "video/avi",
  ".flv": "video/x-flv",
  ".insv": "video/mp4",
  ".m2t": "video/mp2t",
  ".m2ts": "video/mp2t",
  ".m4v": "video/x-m4v",
  ".mkv": "video/x-matroska",
  ".mov": "video/quicktime",
  ".mp4": "video/mp4",
  ".mpe": "video/mpeg",
  ".mpeg": "video/mpeg",
  ".mpg": "video/mpeg",
  ".mts": "video/mp2t",
  ".mxf": "application/mxf",
  ".ts": "video/mp2t",
  ".vob": "video/mpeg",
  ".webm": "video/webm",
  ".wmv": "video/x-ms-wmv"
}
const SIDECAR: Record<string, string> = { ".xmp": "application/xml" }

export type AssetType = "IMAGE" | "VIDEO"

/** The lower-cased extension of a file name, with its dot; "" when it has none. */
export const extensionOf = (fileName: string): string => {
  const base = fileName.slice(fileName.lastIndexOf("/") + 1)
  const dot = base.lastIndexOf(".")
  return dot <= 0 ? "" : base.slice(dot).toLowerCase()
}

/** The asset type and MIME type of an original, or undefined when Immich would refuse the file. */
export const mediaTypeOf = (fileName: string): { readonly type: AssetType; readonly mimeType: string } | undefined => {
  const ext = extensionOf(fileName)
  const image = IMAGE[ext]
  if (image !== undefined) return { type: "IMAGE", mimeType: image }
  const video = VIDEO[ext]
  if (video !== undefined) return { type: "VIDEO", mimeType: video }
  return undefined
}

/** The MIME type to serve a stored file with. */
export const mimeTypeOf = (fileName: string): string => {
  const ext = extensionOf(fileName)
  return IMAGE[ext] ?? VIDEO[ext] ?? SIDECAR[ext] ?? "application/octet-stream"
}

/** Formats sharp can decode here for thumbnails (HEIC only when libvips was built with it). */
export const THUMBNAIL_SOURCES = new Set([
  ".jpg",
  ".jpeg",
  ".jpe",
  ".png",
  ".webp",
  ".heic",
  ".heif",
  ".hif",
  ".avif",
  ".gif",
  ".tif",
  ".tiff"
])

/** `ServerMediaTypesResponseDto`. */
export const serverMediaTypes = () => ({
  image: Object.keys(IMAGE),
  video: Object.keys(VIDEO),
  sidecar: Object.keys(SIDECAR)
})
