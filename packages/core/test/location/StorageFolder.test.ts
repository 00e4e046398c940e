import {
  encodedVideoKey,
  generatedImageKey,
  isStorageKey,
  markerKey,
  originalKey,
  personThumbnailKey,
  profileImageKey,
  STORAGE_FOLDERS
} from "@immich-storage/core"
import { describe, expect, it } from "vitest"

const user = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
const asset = "e3c2d1b0-a9f8-4e7d-8c6b-5a4f3e2d1c0b"

describe("Immich's layout", () => {
  it("builds the keys Immich uses", () => {
    expect(originalKey(user, asset, ".jpg")).toBe(`upload/${user}/e3/c2/${asset}.jpg`)
    expect(generatedImageKey(user, asset, "thumbnail", "webp")).toBe(`thumbs/${user}/e3/c2/${asset}_thumbnail.webp`)
    expect(generatedImageKey(user, asset, "preview", "jpeg")).toBe(`thumbs/${user}/e3/c2/${asset}_preview.jpeg`)
    expect(personThumbnailKey(user, asset)).toBe(`thumbs/${user}/e3/c2/${asset}.jpeg`)
    expect(encodedVideoKey(user, asset)).toBe(`encoded-video/${user}/e3/c2/${asset}.mp4`)
    expect(profileImageKey(user, asset, ".png")).toBe(`profile/${user}/${asset}.png`)
    expect(STORAGE_FOLDERS.map(markerKey)).toEqual([
      "library/.immich",
      "upload/.immich",
      "profile/.immich",
      "thumbs/.immich",
      "encoded-video/.immich",
      "backups/.immich"
    ])
    expect(isStorageKey(originalKey(user, asset, ".heic"))).toBe(true)
  })
})
