import {
  createTestBucket,
  createTestDatabase,
  RGW_QUIRKS,
  s3TestEnv,
  startS3Proxy,
  startServer
} from "@immich-storage/testkit"
import type { RunningServer, S3Proxy, TestDatabase } from "@immich-storage/testkit"
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { ADMIN_KEY, bytesOf, eventually, get, upload } from "./helpers.ts"

/*
 * The asset API on a server that answers as Ceph RGW 16.2 does: no stored checksums, 416 without a size. A
 * real RGW needs a Ceph cluster (mon, mgr, osd), which these machines cannot run: the proxy answers as it.
 */
describe("asset API on an S3 server acting as Ceph RGW", () => {
  let proxy: S3Proxy
  let database: TestDatabase
  let server: RunningServer
  beforeAll(async () => {
    proxy = await startS3Proxy(inject("s3Endpoint"), { quirks: RGW_QUIRKS })
    const bucket = await createTestBucket(inject("s3Endpoint"))
    database = await createTestDatabase()
    server = await startServer({
      IMMICH_STORAGE_ENGINE: "s3",
      ...s3TestEnv(proxy.endpoint, bucket, "immich"),
      DB_DATABASE_NAME: database.name,
      IMMICH_ADMIN_API_KEY: ADMIN_KEY,
      DB_BACKUP_ENABLED: "false"
    })
  })
  afterAll(async () => {
    await server?.stop()
    await database?.drop()
    await proxy?.stop()
  })

  it("serves long suffixes whole, 416 with the size, and never a complete download of flipped bytes", async () => {
    const bytes = randomBytes(100_000)
    const { body } = await upload(server.url, ADMIN_KEY, "photo.png", bytes)
    const original = `${server.url}/api/assets/${body.id}/original`
    const wholeSuffix = await get(original, ADMIN_KEY, { range: "bytes=-200000" })
    expect(wholeSuffix.status).toBe(206)
    expect(wholeSuffix.headers.get("content-range")).toBe("bytes 0-99999/100000")
    expect((await bytesOf(wholeSuffix)).equals(bytes)).toBe(true)
    const outside = await get(original, ADMIN_KEY, { range: "bytes=100000-" })
    expect(outside.status).toBe(416)
    expect(outside.headers.get("content-range")).toBe("bytes */100000")
    await outside.arrayBuffer()

    // The thumbnail job reads the original once after the upload; the fault is meant for the download.
    const isOriginal = (r: { method: string; url: string; headers: Record<string, unknown> }) =>
      r.method === "GET" && r.url.includes("/immich/upload/") && r.headers["range"] === undefined
    const thumbnailRead = () => proxy.requests.some((r) => isOriginal(r) && r.status !== undefined)
    await eventually(async () => (thumbnailRead() ? true : undefined))
    // A bit flipped on the way cannot be made to happen on demand: the proxy flips the first byte.
    proxy.injectFaults(["corrupt"], isOriginal)
    const corrupted = await get(original, ADMIN_KEY)
    const received = await bytesOf(corrupted).then((b) => b.length, () => "aborted" as const)
    // The MD5 check (no CRC32 is stored) holds the last bytes back: the client sees a short or broken body.
    expect(received === "aborted" || received < bytes.length).toBe(true)
    const again = await get(original, ADMIN_KEY)
    expect((await bytesOf(again)).equals(bytes)).toBe(true)
  })
})
