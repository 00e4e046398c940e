import { joinKey } from "./StorageKey.ts"

/** Immich's storage folders under the media location, in upstream's order. */
export const STORAGE_FOLDERS = ["library", "upload", "profile", "thumbs", "encoded-video", "backups"] as const
export type StorageFolder = typeof STORAGE_FOLDERS[number]

/** The integrity marker Immich keeps in each folder. */
export const MARKER_FILE = ".immich"
export const markerKey = (folder: StorageFolder): string => joinKey(folder, MARKER_FILE)

/** Immich fans files out by the first two pairs of characters of their id. */
const fanOut = (id: string): string => `${id.slice(0, 2)}/${id.slice(2, 4)}`

/** `ext` includes its dot (`.jpg`), or is empty. */
export const originalKey = (userId: string, fileId: string, ext: string): string =>
  `upload/${userId}/${fanOut(fileId)}/${fileId}${ext}`

export type GeneratedImageKind = "thumbnail" | "preview" | "fullsize"

export const generatedImageKey = (ownerId: string, assetId: string, kind: GeneratedImageKind, format: string): string =>
  `thumbs/${ownerId}/${fanOut(assetId)}/${assetId}_${kind}.${format}`

export const personThumbnailKey = (ownerId: string, personId: string): string =>
  `thumbs/${ownerId}/${fanOut(personId)}/${personId}.jpeg`

export const encodedVideoKey = (ownerId: string, assetId: string): string =>
  `encoded-video/${ownerId}/${fanOut(assetId)}/${assetId}.mp4`

export const profileImageKey = (userId: string, fileId: string, ext: string): string =>
  `profile/${userId}/${fileId}${ext}`

export const backupKey = (fileName: string): string => `backups/${fileName}`
