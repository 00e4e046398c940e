/**
 * Facts: the extensions upstream Immich (v3.2, `server/src/utils/mime-types.ts`) accepts, as
 * `GET /api/server/media-types` lists them. Upstream added `.mpo` in PR #27963 (April 2026), and lists
 * `.mxf` and `.ts` among the videos. Written here by hand from upstream's list, not derived from ours.
 */
export const UPSTREAM_MEDIA_TYPES = {
  image: [
    ".3fr",
    ".ari",
    ".arw",
    ".cap",
    ".cin",
    ".cr2",
    ".cr3",
    ".crw",
    ".dcr",
    ".dng",
    ".erf",
    ".fff",
    ".iiq",
    ".k25",
    ".kdc",
    ".mrw",
    ".nef",
    ".nrw",
    ".orf",
    ".ori",
    ".pef",
    ".psd",
    ".raf",
    ".raw",
    ".rw2",
    ".rwl",
    ".sr2",
    ".srf",
    ".srw",
    ".x3f",
    ".avif",
    ".bmp",
    ".gif",
    ".jpeg",
    ".jpg",
    ".png",
    ".webp",
    ".heic",
    ".heif",
    ".hif",
    ".insp",
    ".jp2",
    ".jpe",
    ".jxl",
    ".mpo",
    ".svg",
    ".tif",
    ".tiff"
  ],
  video: [
    ".3gp",
    ".3gpp",
    ".avi",
    ".flv",
    ".insv",
    ".m2t",
    ".m2ts",
    ".m4v",
    ".mkv",
    ".mov",
    ".mp4",
    ".mpe",
    ".mpeg",
    ".mpg",
    ".mts",
    ".mxf",
    ".ts",
    ".vob",
    ".webm",
    ".wmv"
  ],
  sidecar: [".xmp"]
} as const

/** The lists in one order, so that two lists compare by content. */
export const sortedMediaTypes = (
  types: {
    readonly image: ReadonlyArray<string>
    readonly video: ReadonlyArray<string>
    readonly sidecar: ReadonlyArray<string>
  }
) => ({
  image: [...types.image].sort(),
  video: [...types.video].sort(),
  sidecar: [...types.sidecar].sort()
})
