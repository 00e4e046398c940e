import sharp from "sharp"
import { PREVIEW_SIZE, THUMBNAIL_SIZE } from "./thumbnails.ts"

export interface GeneratedImages {
  readonly thumbnail: Buffer
  readonly preview: Buffer
  /** The displayed size of the original (after EXIF orientation). */
  readonly width: number
  readonly height: number
}

/**
 * Decodes an image once per output and renders Immich's thumbnail and preview, turned upright by its
 * EXIF orientation and never enlarged. Rejects when the bytes are not an image sharp can decode (HEIC
 * needs a libvips built with HEVC, which sharp's prebuilt binaries are not).
 */
export const renderImages = async (original: Buffer): Promise<GeneratedImages> => {
  const metadata = await sharp(original).metadata()
  const fit = (size: number) => ({ width: size, height: size, fit: "outside" as const, withoutEnlargement: true })
  const thumbnail = await sharp(original).rotate().resize(fit(THUMBNAIL_SIZE)).webp({ quality: 80 }).toBuffer()
  const preview = await sharp(original).rotate().resize(fit(PREVIEW_SIZE))
    .jpeg({ quality: 80, progressive: true }).toBuffer()
  const upright = metadata.autoOrient ?? metadata
  return { thumbnail, preview, width: upright.width ?? 0, height: upright.height ?? 0 }
}
