import { createHash, randomBytes } from "node:crypto"
import * as fs from "node:fs/promises"
import * as http from "node:http"
import sharp from "sharp"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { inject } from "vitest"
import {
  ADMIN_KEY,
  bytesOf,
  createUser,
  eventually,
  get,
  localStorage,
  makeJpeg,
  orphans,
  s3Storage,
  startServerOn,
  upload
} from "./helpers.ts"
import type { ServerUnderTest, StorageUnderTest } from "./helpers.ts"
import { sortedMediaTypes, UPSTREAM_MEDIA_TYPES } from "./upstreamMediaTypes.ts"

const MiB = 1024 * 1024
const sha1 = (bytes: Uint8Array) => createHash("sha1").update(bytes).digest()

describe.each(["local", "s3"] as const)("asset API on %s", (engine) => {
  let storage: StorageUnderTest
  let sut: ServerUnderTest
  let url: string

  beforeAll(async () => {
    storage = engine === "local" ? await localStorage() : await s3Storage(inject("s3Endpoint"))
    sut = await startServerOn(storage)
    url = sut.server.url
  })

  afterAll(async () => {
    await sut?.stop()
    await sut?.database.drop()
    await storage?.cleanUp()
  })

  const adminId = async () => (await sut.sql<Array<{ id: string }>>`select "id" from "user" where "isAdmin"`)[0]!.id

  it("uploads an image and a 20 MiB video; downloads are byte-identical; the stored path is the media location + key", async () => {
    const image = await makeJpeg(640, 480)
    const video = randomBytes(20 * MiB)
    const uploadedImage = await upload(url, ADMIN_KEY, "holiday photo ü.jpg", image)
    const uploadedVideo = await upload(url, ADMIN_KEY, "clip.MP4", video)
    expect(uploadedImage).toEqual({ status: 201, body: { id: expect.any(String), status: "created" } })
    expect(uploadedVideo.status).toBe(201)

    for (
      const [id, bytes, ext, type] of [[uploadedImage.body.id, image, ".jpg", "IMAGE"], [
        uploadedVideo.body.id,
        video,
        ".mp4",
        "VIDEO"
      ]] as const
    ) {
      const response = await get(`${url}/api/assets/${id}/original`, ADMIN_KEY)
      expect(response.status).toBe(200)
      expect(response.headers.get("content-length")).toBe(String(bytes.length))
      expect((await bytesOf(response)).equals(bytes)).toBe(true)

      const owner = await adminId()
      const key = `upload/${owner}/${id.slice(0, 2)}/${id.slice(2, 4)}/${id}${ext}`
      const [row] = await sut.sql<
        Array<{ originalPath: string; checksum: Buffer; type: string }>
      >`select "originalPath", "checksum", "type" from "asset" where "id" = ${id}`
      expect(row!.originalPath).toBe(`${sut.base}/${key}`)
      expect(row!.checksum.equals(sha1(bytes))).toBe(true)
      expect(row!.type).toBe(type)
      expect(await sut.listKeys(`upload/${owner}/${id.slice(0, 2)}/${id.slice(2, 4)}`)).toContain(key)
    }

    const asset = await (await get(`${url}/api/assets/${uploadedImage.body.id}`, ADMIN_KEY)).json() as Record<
      string,
      unknown
    >
    expect(asset).toMatchObject({
      id: uploadedImage.body.id,
      originalFileName: "holiday photo ü.jpg",
      originalMimeType: "image/jpeg",
      type: "IMAGE",
      checksum: sha1(image).toString("base64"),
      fileCreatedAt: "2024-05-01T10:00:00.000Z",
      isTrashed: false
    })
  })

  it("serves ranges (206), suffixes, 416 outside the file, 304 on a matching ETag, and Immich's headers", async () => {
    const bytes = randomBytes(100_000)
    const { body } = await upload(url, ADMIN_KEY, "range.png", bytes)
    const original = `${url}/api/assets/${body.id}/original`

    const whole = await get(original, ADMIN_KEY)
    expect(whole.headers.get("content-type")).toBe("image/png")
    expect(whole.headers.get("content-disposition")).toBe("inline; filename*=UTF-8''range.png")
    expect(whole.headers.get("cache-control")).toBe("private, max-age=86400, no-transform")
    expect(whole.headers.get("accept-ranges")).toBe("bytes")
    expect(new Date(whole.headers.get("last-modified")!).getTime()).toBeGreaterThan(Date.now() - 600_000)
    const etag = whole.headers.get("etag")!
    expect(etag).toBe(`"${sha1(bytes).toString("hex")}"`)
    await whole.arrayBuffer()

    for (
      const [header, start, end] of [
        ["bytes=0-0", 0, 0],
        ["bytes=1000-1999", 1000, 1999],
        ["bytes=99990-", 99990, 99999],
        ["bytes=-10", 99990, 99999],
        ["bytes=99000-200000", 99000, 99999],
        // A suffix longer than the file is the whole file (RFC 9110), on S3 too (the test server answers it 416).
        ["bytes=-200000", 0, 99999]
      ] as const
    ) {
      const partial = await get(original, ADMIN_KEY, { range: header })
      expect(partial.status, header).toBe(206)
      expect(partial.headers.get("content-range"), header).toBe(`bytes ${start}-${end}/100000`)
      expect((await bytesOf(partial)).equals(bytes.subarray(start, end + 1)), header).toBe(true)
    }
    const outside = await get(original, ADMIN_KEY, { range: "bytes=100000-" })
    expect(outside.status).toBe(416)
    expect(outside.headers.get("content-range")).toBe("bytes */100000")
    await outside.arrayBuffer()

    const cached = await get(original, ADMIN_KEY, { "if-none-match": etag })
    expect(cached.status).toBe(304)
    // A stale If-Range sends the whole file.
    const stale = await get(original, ADMIN_KEY, { range: "bytes=0-9", "if-range": "\"other\"" })
    expect(stale.status).toBe(200)
    expect((await bytesOf(stale)).length).toBe(100_000)
  })

  it("releases the engine's read when a client stops a download half-way", async () => {
    const bytes = randomBytes(24 * MiB)
    const { body } = await upload(url, ADMIN_KEY, "abandoned.mp4", bytes)
    const fds = async () => (await fs.readdir(`/proc/${sut.server.process.pid}/fd`)).length
    const before = await fds()
    for (let i = 0; i < 10; i++) {
      const controller = new AbortController()
      const response = await fetch(`${url}/api/assets/${body.id}/original`, {
        headers: { "x-api-key": ADMIN_KEY },
        signal: controller.signal
      })
      const reader = response.body!.getReader()
      await reader.read()
      controller.abort()
    }
    // Every abandoned read is closed (files on disk, sockets to S3), and the server still serves.
    await eventually(async () => ((await fds()) <= before + 2 ? true : undefined))
    expect((await bytesOf(await get(`${url}/api/assets/${body.id}/original`, ADMIN_KEY))).equals(bytes)).toBe(true)
  })

  it("answers 404 when a file is gone from the storage behind the server's back, without saying where it was", async () => {
    const { body } = await upload(url, ADMIN_KEY, "lost.mp4", randomBytes(4000))
    const [row] = await sut.sql<
      Array<{ originalPath: string }>
    >`select "originalPath" from "asset" where "id" = ${body.id}`
    await sut.removeKey(row!.originalPath.slice(sut.base.length + 1))
    const response = await get(`${url}/api/assets/${body.id}/original`, ADMIN_KEY)
    expect(response.status).toBe(404)
    const text = await response.text()
    expect(JSON.parse(text)).toEqual({ message: "Asset file not found", error: "Not Found", statusCode: 404 })
    expect(text).not.toContain(row!.originalPath.slice(sut.base.length + 1))
    // The rest of the API is unaffected.
    expect((await get(`${url}/api/assets/${body.id}`, ADMIN_KEY)).status).toBe(200)
  })

  it("answers a duplicate as Immich does (200, the first asset's id) and keeps no second copy", async () => {
    const bytes = randomBytes(50_000)
    const first = await upload(url, ADMIN_KEY, "dup.jpg", bytes)
    const again = await upload(url, ADMIN_KEY, "dup-renamed.jpg", bytes)
    expect(again).toEqual({ status: 200, body: { id: first.body.id, status: "duplicate" } })
    const rows = await sut.sql`select "id" from "asset" where "checksum" = ${sha1(bytes)}`
    expect(rows.length).toBe(1)
    expect(await orphans(sut)).toEqual([])
    expect(await sut.incompleteWrites()).toBe(0)

    const check = await fetch(`${url}/api/assets/bulk-upload-check`, {
      method: "POST",
      headers: { "x-api-key": ADMIN_KEY, "content-type": "application/json" },
      body: JSON.stringify({
        assets: [{ id: "a", checksum: sha1(bytes).toString("hex") }, {
          id: "b",
          checksum: sha1(randomBytes(8)).toString("base64")
        }, { id: "c", checksum: sha1(bytes).toString("base64") }]
      })
    })
    expect(await check.json()).toEqual({
      results: [
        { id: "a", action: "reject", reason: "duplicate", assetId: first.body.id, isTrashed: false },
        { id: "b", action: "accept" },
        { id: "c", action: "reject", reason: "duplicate", assetId: first.body.id, isTrashed: false }
      ]
    })
  })

  it("generates a WebP thumbnail and a JPEG preview for images, under thumbs/, and none for other files", async () => {
    const image = await makeJpeg(3000, 2000, 3)
    const { body } = await upload(url, ADMIN_KEY, "big.jpg", image)
    const thumb = await eventually(async () => {
      const response = await get(`${url}/api/assets/${body.id}/thumbnail`, ADMIN_KEY)
      return response.status === 200 ? response : undefined
    })
    expect(thumb.headers.get("content-type")).toBe("image/webp")
    const thumbMeta = await sharp(await bytesOf(thumb)).metadata()
    expect([thumbMeta.format, thumbMeta.width, thumbMeta.height]).toEqual(["webp", 375, 250])
    const preview = await get(`${url}/api/assets/${body.id}/thumbnail?size=preview`, ADMIN_KEY)
    const previewMeta = await sharp(await bytesOf(preview)).metadata()
    expect([previewMeta.format, previewMeta.width, previewMeta.height]).toEqual(["jpeg", 2160, 1440])

    const owner = await adminId()
    const files = await sut.sql<
      Array<{ type: string; path: string }>
    >`select "type", "path" from "asset_file" where "assetId" = ${body.id} order by "type"`
    const dir = `thumbs/${owner}/${body.id.slice(0, 2)}/${body.id.slice(2, 4)}`
    expect(files).toEqual([
      { type: "preview", path: `${sut.base}/${dir}/${body.id}_preview.jpeg` },
      { type: "thumbnail", path: `${sut.base}/${dir}/${body.id}_thumbnail.webp` }
    ])
    expect(await sut.listKeys(dir)).toEqual([`${dir}/${body.id}_preview.jpeg`, `${dir}/${body.id}_thumbnail.webp`])
    const [dims] = await sut.sql`select "width", "height" from "asset" where "id" = ${body.id}`
    expect(dims).toEqual({ width: 3000, height: 2000 })

    // A "photo" that is not an image at all: stored, no thumbnail, never an error.
    const broken = await upload(url, ADMIN_KEY, "broken.jpg", randomBytes(5000))
    expect(broken.status).toBe(201)
    await eventually(async () => ((await sut.sql`select 1 from "asset_file" where "assetId" = ${body.id}`).length === 2
      ? true
      : undefined)
    )
    // The worker is serial: once a later image has thumbnails, the broken one has been tried.
    const later = await upload(url, ADMIN_KEY, "later.jpg", await makeJpeg(40, 30, 9))
    await eventually(async () => ((await get(`${url}/api/assets/${later.body.id}/thumbnail`, ADMIN_KEY)).status === 200
      ? true
      : undefined)
    )
    expect((await get(`${url}/api/assets/${broken.body.id}/thumbnail`, ADMIN_KEY)).status).toBe(404)
  })

  it("stores a sidecar beside the original and records it", async () => {
    const xmp = Buffer.from("<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")
    const { body, status } = await upload(url, ADMIN_KEY, "with-sidecar.heic", randomBytes(3000), { sidecar: xmp })
    expect(status).toBe(201)
    const owner = await adminId()
    const [file] = await sut.sql<
      Array<{ path: string }>
    >`select "path" from "asset_file" where "assetId" = ${body.id} and "type" = 'sidecar'`
    expect(file!.path).toBe(`${sut.base}/upload/${owner}/${body.id.slice(0, 2)}/${body.id.slice(2, 4)}/${body.id}.xmp`)
  })

  it("answers 401 without or with a wrong key on every private endpoint, and leaks nothing", async () => {
    const { body } = await upload(url, ADMIN_KEY, "secret.jpg", randomBytes(1000))
    const endpoints: Array<[string, string]> = [
      ["GET", "/api/users/me"],
      ["GET", "/api/api-keys/me"],
      ["POST", "/api/assets/bulk-upload-check"],
      ["POST", "/api/assets"],
      ["GET", `/api/assets/${body.id}`],
      ["GET", `/api/assets/${body.id}/original`],
      ["GET", `/api/assets/${body.id}/thumbnail`],
      ["DELETE", "/api/assets"],
      ["GET", "/api/admin/database-backups"],
      ["DELETE", "/api/admin/database-backups"],
      ["POST", "/api/jobs"],
      ["GET", "/api/assets/statistics"]
    ]
    for (const [method, path] of endpoints) {
      for (const key of [undefined, "wrong-key", `${ADMIN_KEY}x`, ""]) {
        const response = await fetch(`${url}${path}`, {
          method,
          headers: key === undefined ? {} : { "x-api-key": key }
        })
        expect(response.status, `${method} ${path} ${key}`).toBe(401)
        const text = await response.text()
        expect(text).not.toContain(body.id)
        expect(text).not.toMatch(/select|postgres|\/tmp|s3:\/\//i)
        expect(JSON.parse(text)).toEqual({
          message: expect.stringMatching(/^(Invalid API key|Authentication required)$/),
          error: "Unauthorized",
          statusCode: 401
        })
      }
    }
    // Still nothing stored by the refused upload, and the public endpoints stay public.
    expect((await fetch(`${url}/api/server/ping`)).status).toBe(200)
    expect(await (await fetch(`${url}/.well-known/immich`)).json()).toEqual({ api: { endpoint: "/api" } })
  })

  it("keeps users apart: another user's asset is 404, a user's key gets 403 on admin endpoints", async () => {
    const mine = await upload(url, ADMIN_KEY, "mine.jpg", randomBytes(2000))
    const other = await createUser(sut.sql, `other-${engine}@example.com`)
    for (const suffix of ["", "/original", "/thumbnail"]) {
      const response = await get(`${url}/api/assets/${mine.body.id}${suffix}`, other.key)
      expect(response.status, suffix).toBe(404)
      expect(await response.text()).not.toContain(mine.body.id)
    }
    expect((await get(`${url}/api/assets/not-a-uuid`, other.key)).status).toBe(400)
    expect(await (await get(`${url}/api/users/me`, other.key)).json()).toMatchObject({ id: other.id, isAdmin: false })
    expect((await get(`${url}/api/admin/database-backups`, other.key)).status).toBe(403)
    // The same bytes are a new asset for another user (duplicates are per user).
    const theirs = await upload(
      url,
      other.key,
      "mine.jpg",
      await bytesOf(await get(`${url}/api/assets/${mine.body.id}/original`, ADMIN_KEY))
    )
    expect(theirs.status).toBe(201)
    expect(theirs.body.id).not.toBe(mine.body.id)
    // Deleting someone else's asset deletes nothing.
    await fetch(`${url}/api/assets`, {
      method: "DELETE",
      headers: { "x-api-key": other.key, "content-type": "application/json" },
      body: JSON.stringify({ ids: [mine.body.id] })
    })
    expect((await get(`${url}/api/assets/${mine.body.id}/original`, ADMIN_KEY)).status).toBe(200)
  })

  it("takes 20 concurrent uploads, each stored once and downloadable", async () => {
    const files = Array.from({ length: 20 }, (_, i) => randomBytes(200_000 + i * 10_000))
    const results = await Promise.all(files.map((bytes, i) => upload(url, ADMIN_KEY, `concurrent-${i}.mp4`, bytes)))
    expect(results.map((r) => r.status)).toEqual(files.map(() => 201))
    expect(new Set(results.map((r) => r.body.id)).size).toBe(20)
    const downloads = await Promise.all(
      results.map(async (r) => bytesOf(await get(`${url}/api/assets/${r.body.id}/original`, ADMIN_KEY)))
    )
    downloads.forEach((bytes, i) => expect(bytes.equals(files[i]!), `file ${i}`).toBe(true))
    expect(await sut.incompleteWrites()).toBe(0)
  })

  it("deletes assets: rows, originals, sidecars and thumbnails", async () => {
    const { body } = await upload(url, ADMIN_KEY, "doomed.jpg", await makeJpeg(300, 200, 5), {
      sidecar: Buffer.from("<xmp/>")
    })
    await eventually(
      async () => ((await get(`${url}/api/assets/${body.id}/thumbnail`, ADMIN_KEY)).status === 200 ? true : undefined)
    )
    const owner = await adminId()
    const fan = `${body.id.slice(0, 2)}/${body.id.slice(2, 4)}`
    expect((await sut.listKeys(`upload/${owner}/${fan}`)).filter((k) => k.includes(body.id)).length).toBe(2)
    const response = await fetch(`${url}/api/assets`, {
      method: "DELETE",
      headers: { "x-api-key": ADMIN_KEY, "content-type": "application/json" },
      body: JSON.stringify({ ids: [body.id], force: true })
    })
    expect(response.status).toBe(204)
    expect((await get(`${url}/api/assets/${body.id}`, ADMIN_KEY)).status).toBe(404)
    expect(await sut.sql`select 1 from "asset_file" where "assetId" = ${body.id}`).toEqual([])
    expect((await sut.listKeys(`upload/${owner}/${fan}`)).filter((k) => k.includes(body.id))).toEqual([])
    expect((await sut.listKeys(`thumbs/${owner}/${fan}`)).filter((k) => k.includes(body.id))).toEqual([])
  })

  it("leaves no object, temp file or row when the client disconnects mid-upload", async () => {
    const before = await sut.sql`select count(*)::int as n from "asset"`
    const boundary = "----immich-storage-test"
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="fileCreatedAt"\r\n\r\n2024-01-01T00:00:00Z\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="fileModifiedAt"\r\n\r\n2024-01-01T00:00:00Z\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="assetData"; filename="cut.mp4"\r\nContent-Type: application/octet-stream\r\n\r\n`
    )
    const request = http.request(`${url}/api/assets`, {
      method: "POST",
      headers: {
        "x-api-key": ADMIN_KEY,
        "content-type": `multipart/form-data; boundary=${boundary}`,
        "content-length": String(head.length + 64 * MiB)
      }
    })
    request.on("error", () => undefined)
    request.write(head)
    // More than one S3 part, so a multipart upload is under way when the client goes.
    for (let i = 0; i < 20; i++) request.write(randomBytes(MiB))
    await eventually(async () => ((await sut.incompleteWrites()) > 0 ? true : undefined))
    request.destroy()
    await eventually(async () => ((await sut.incompleteWrites()) === 0 ? true : undefined))
    expect(await sut.sql`select count(*)::int as n from "asset"`).toEqual(before)
    expect(await orphans(sut)).toEqual([])
  })

  it("refuses what Immich refuses: unsupported types, missing fields, bad dates, non-multipart bodies", async () => {
    expect(await upload(url, ADMIN_KEY, "notes.txt", Buffer.from("hello"))).toMatchObject({
      status: 400,
      body: { message: "Unsupported file type: .txt" }
    })
    expect((await upload(url, ADMIN_KEY, "x.jpg", randomBytes(10), { fileCreatedAt: "yesterday" })).status).toBe(400)
    const json = await fetch(`${url}/api/assets`, {
      method: "POST",
      headers: { "x-api-key": ADMIN_KEY, "content-type": "application/json" },
      body: "{}"
    })
    expect(json.status).toBe(400)
    await json.arrayBuffer()
    const badBodies: ReadonlyArray<readonly [string, string]> = [
      ["not json", "The body must be JSON"],
      ["{\"assets\": \"x\"}", "Invalid bulk upload check"],
      ["{\"assets\": [{\"id\": \"a\", \"checksum\": \"xyz\"}]}", "checksum of a is not a SHA-1"]
    ]
    for (const [body, message] of badBodies) {
      const check = await fetch(`${url}/api/assets/bulk-upload-check`, {
        method: "POST",
        headers: { "x-api-key": ADMIN_KEY, "content-type": "application/json" },
        body
      })
      expect(check.status, body).toBe(400)
      expect(((await check.json()) as { message: string }).message, body).toContain(message)
    }
    expect(await orphans(sut)).toEqual([])
    expect(await sut.incompleteWrites()).toBe(0)
  })

  it("answers the account endpoints the immich CLI calls", async () => {
    expect(await (await get(`${url}/api/users/me`, ADMIN_KEY)).json()).toMatchObject({
      email: "admin@immich.local",
      isAdmin: true,
      avatarColor: "primary"
    })
    expect(await (await get(`${url}/api/api-keys/me`, ADMIN_KEY)).json()).toMatchObject({
      name: "IMMICH_ADMIN_API_KEY",
      permissions: ["all"]
    })
    const types = await (await fetch(`${url}/api/server/media-types`)).json() as {
      image: Array<string>
      video: Array<string>
      sidecar: Array<string>
    }
    expect(sortedMediaTypes(types)).toEqual(sortedMediaTypes(UPSTREAM_MEDIA_TYPES))
    // The Immich API version this server implements (ServerVersionResponseDto), not this project's 0.x version.
    const version = await (await fetch(`${url}/api/server/version`)).json()
    expect(version).toEqual({ major: 3, minor: 2, patch: 0, prerelease: null })
  })
})
