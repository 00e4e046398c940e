import { createDatabaseOfKind, makeTempDir } from "@immich-storage/testkit"
import type { TempDir, TestDatabase, TestDatabaseKind } from "@immich-storage/testkit"
import { randomBytes } from "node:crypto"
import sharp from "sharp"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import {
  ADMIN_KEY,
  bytesOf,
  createUser,
  eventually,
  get,
  localStorage,
  makeJpeg,
  s3Storage,
  startServerOn,
  upload
} from "./helpers.ts"
import type { EngineName, ServerUnderTest, StorageUnderTest } from "./helpers.ts"

/**
 * `?size=fullsize` falls back as upstream's does (the original when a browser shows it, else upstream's
 * full-size file, else the preview, by redirects), and `video/playback` streams upstream's transcode or the
 * original, with ranges, on both engines and on upstream's schemas.
 */
const CASES: ReadonlyArray<readonly [TestDatabaseKind, EngineName]> = [["own", "local"], ["v2.7", "local"], [
  "v3.2",
  "s3"
]]

describe.each(CASES)("fullsize and playback on a %s database, %s engine", (kind, engine) => {
  let temp: TempDir
  let storage: StorageUnderTest
  let database: TestDatabase
  let sut: ServerUnderTest
  let url: string

  const uploadNew = async (name: string, bytes: Uint8Array, key = ADMIN_KEY) => {
    const answer = await upload(url, key, name, bytes, { withoutDeviceFields: true })
    expect(answer.status, JSON.stringify(answer.body)).toBe(201)
    return answer.body.id
  }
  /** Gives the asset an `asset_file` row of `type` holding another asset's stored original, as upstream would. */
  const recordFile = async (assetId: string, type: string, fromAssetId: string) => {
    await sut.sql`
      insert into "asset_file" ("assetId", "type", "path")
      select ${assetId}, ${type}, "originalPath" from "asset" where "id" = ${fromAssetId}`
  }
  const noRedirect = (path: string, headers: Record<string, string> = {}) =>
    get(`${url}${path}`, ADMIN_KEY, headers, "manual")

  beforeAll(async () => {
    temp = await makeTempDir()
    storage = engine === "local" ? await localStorage(temp) : await s3Storage(inject("s3Endpoint"))
    database = await createDatabaseOfKind(kind)
    sut = await startServerOn(storage, {}, database)
    url = sut.server.url
  })

  afterAll(async () => {
    await sut?.stop()
    await database?.drop()
    await storage?.cleanUp()
    await temp?.remove()
  })

  it("fullsize of an original a browser shows (JPEG): a redirect to the original, keeping other parameters", async () => {
    const jpeg = await makeJpeg(640, 480, 21)
    const id = await uploadNew("shown.jpg", jpeg)
    const redirect = await noRedirect(`/api/assets/${id}/thumbnail?size=fullsize&edited=false`)
    expect(redirect.status).toBe(302)
    expect(redirect.headers.get("location")).toBe("original?edited=false")
    await redirect.arrayBuffer()
    const followed = await get(`${url}/api/assets/${id}/thumbnail?size=fullsize`, ADMIN_KEY)
    expect(followed.status).toBe(200)
    expect((await bytesOf(followed)).equals(jpeg)).toBe(true)
    // `size=original` (deprecated upstream) goes the same way.
    const original = await noRedirect(`/api/assets/${id}/thumbnail?size=original`)
    expect([original.status, original.headers.get("location")]).toEqual([302, "original"])
    await original.arrayBuffer()
  })

  it("fullsize of a TIFF: upstream's fullsize file when there is one, else a redirect to the preview", async () => {
    const pixels = Buffer.alloc(400 * 300 * 3, 90)
    const tiff = await sharp(pixels, { raw: { width: 400, height: 300, channels: 3 } }).tiff().toBuffer()
    const id = await uploadNew("scan.tif", tiff)
    await eventually(async () => {
      const preview = await get(`${url}/api/assets/${id}/thumbnail?size=preview`, ADMIN_KEY)
      await preview.arrayBuffer()
      return preview.status === 200 ? true : undefined
    })
    const toPreview = await noRedirect(`/api/assets/${id}/thumbnail?size=fullsize`)
    expect(toPreview.status).toBe(302)
    expect(toPreview.headers.get("location")).toBe(`/api/assets/${id}/thumbnail?size=preview`)
    await toPreview.arrayBuffer()
    const preview = await get(`${url}/api/assets/${id}/thumbnail?size=fullsize`, ADMIN_KEY)
    expect([preview.status, preview.headers.get("content-type")]).toEqual([200, "image/jpeg"])
    expect((await sharp(await bytesOf(preview)).metadata()).format).toBe("jpeg")

    // Upstream generated a full-size image (here: a PNG stored by another upload): that is served.
    const png = await sharp(pixels, { raw: { width: 400, height: 300, channels: 3 } }).png().toBuffer()
    await recordFile(id, "fullsize", await uploadNew("scan-fullsize.png", png))
    const fullsize = await noRedirect(`/api/assets/${id}/thumbnail?size=fullsize`)
    expect([fullsize.status, fullsize.headers.get("content-type")]).toEqual([200, "image/png"])
    expect((await bytesOf(fullsize)).equals(png)).toBe(true)
  })

  it("plays a video's original with ranges (206) when there is no transcode", async () => {
    const video = randomBytes(256 * 1024)
    const id = await uploadNew("clip.mp4", video)
    const whole = await get(`${url}/api/assets/${id}/video/playback`, ADMIN_KEY)
    expect([whole.status, whole.headers.get("content-type"), whole.headers.get("accept-ranges")])
      .toEqual([200, "video/mp4", "bytes"])
    expect((await bytesOf(whole)).equals(video)).toBe(true)
    const seek = await get(`${url}/api/assets/${id}/video/playback`, ADMIN_KEY, { range: "bytes=100000-100999" })
    expect(seek.status).toBe(206)
    expect(seek.headers.get("content-range")).toBe(`bytes 100000-100999/${video.length}`)
    expect((await bytesOf(seek)).equals(video.subarray(100000, 101000))).toBe(true)
    const tail = await get(`${url}/api/assets/${id}/video/playback`, ADMIN_KEY, { range: "bytes=-500" })
    expect(tail.status).toBe(206)
    expect((await bytesOf(tail)).equals(video.subarray(video.length - 500))).toBe(true)
  })

  it("plays upstream's transcode (an encoded_video file) instead of the original when there is one", async () => {
    const original = randomBytes(64 * 1024)
    const encoded = randomBytes(48 * 1024)
    const id = await uploadNew("phone.mov", original)
    await recordFile(id, "encoded_video", await uploadNew("phone-encoded.mp4", encoded))
    const seek = await get(`${url}/api/assets/${id}/video/playback`, ADMIN_KEY, { range: "bytes=0-1023" })
    expect([seek.status, seek.headers.get("content-type")]).toEqual([206, "video/mp4"])
    expect(seek.headers.get("content-range")).toBe(`bytes 0-1023/${encoded.length}`)
    expect((await bytesOf(seek)).equals(encoded.subarray(0, 1024))).toBe(true)
  })

  it("refuses to play an image (400) and shows nobody else's asset (404)", async () => {
    const image = await uploadNew("still.jpg", await makeJpeg(64, 48, 22))
    const notVideo = await get(`${url}/api/assets/${image}/video/playback`, ADMIN_KEY)
    expect([notVideo.status, ((await notVideo.json()) as { message: string }).message]).toEqual([
      400,
      "Asset is not a video"
    ])
    const stranger = await createUser(sut.sql, `stranger-${kind}@example.com`)
    const theirs = await uploadNew("theirs.mp4", randomBytes(4096), stranger.key)
    for (const path of [`/api/assets/${theirs}/video/playback`, `/api/assets/${theirs}/thumbnail?size=fullsize`]) {
      const answer = await noRedirect(path)
      expect(answer.status, path).toBe(404)
      await answer.arrayBuffer()
    }
    const bad = await noRedirect(`/api/assets/${image}/thumbnail?size=huge`)
    expect(bad.status).toBe(400)
    await bad.arrayBuffer()
  })
})
