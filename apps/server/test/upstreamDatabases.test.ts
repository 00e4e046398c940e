import {
  createImmichDatabase,
  hasColumn,
  insertAssetRow,
  makeTempDir,
  schemaSnapshot,
  TEST_POSTGRES
} from "@immich-storage/testkit"
import type { ImmichFixtureVersion, SchemaSnapshot, TempDir, TestDatabase } from "@immich-storage/testkit"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import postgres from "postgres"
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
 * The server's journeys on databases upstream Immich's migrations created (the testkit's v2.7 and v3.2
 * fixtures): everything a client does works, every NOT NULL column upstream requires is filled, and the
 * schema is the same after the server's whole life as before its first start.
 */
const CASES: ReadonlyArray<readonly [ImmichFixtureVersion, EngineName]> = [["v2.7", "local"], ["v3.2", "local"], [
  "v3.2",
  "s3"
]]
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** The thumbnail's response once it exists; every body read, so that no connection holds up the server's stop. */
const thumbnailOf = (url: string, id: string) =>
  eventually(async () => {
    const response = await get(`${url}/api/assets/${id}/thumbnail`, ADMIN_KEY)
    const body = await bytesOf(response)
    return response.status === 200 ? { type: response.headers.get("content-type"), body } : undefined
  })

describe.each(CASES)("the server on an upstream Immich %s database, %s engine", (version, engine) => {
  let temp: TempDir
  let storage: StorageUnderTest
  let database: TestDatabase
  let watcher: postgres.Sql
  let before: SchemaSnapshot
  let migrationsBefore: ReadonlyArray<unknown>
  let sut: ServerUnderTest
  let url: string
  const readMigrations = () => watcher`select * from "kysely_migrations" order by "name"`

  beforeAll(async () => {
    temp = await makeTempDir()
    storage = engine === "local" ? await localStorage(temp) : await s3Storage(inject("s3Endpoint"))
    database = await createImmichDatabase(version)
    watcher = postgres({ ...TEST_POSTGRES, database: database.name, max: 1, onnotice: () => undefined })
    before = await schemaSnapshot(watcher)
    migrationsBefore = await readMigrations()
    sut = await startServerOn(storage, {}, database)
    url = sut.server.url
  })

  afterAll(async () => {
    await sut?.stop()
    await watcher?.end()
    await database?.drop()
    await storage?.cleanUp()
    await temp?.remove()
  })

  /** Uploads as `@immich/cli` 3.x does (no device fields); the id of the new asset. */
  const uploadNew = async (name: string, bytes: Buffer): Promise<string> => {
    const answer = await upload(url, ADMIN_KEY, name, bytes, { withoutDeviceFields: true })
    expect(answer.status, JSON.stringify(answer.body)).toBe(201)
    return answer.body.id
  }
  const adminId = async () => (await sut.sql<Array<{ id: string }>>`select "id" from "user" where "isAdmin"`)[0]!.id

  it("logs the upstream schema it recognised", () => {
    expect(sut.server.output()).toContain(`Immich database schema: ${version}`)
  })

  it("GET /api/users/me carries clusterGroupId: the first admin's cluster group on v3.2, null on v2.7", async () => {
    const me = await (await get(`${url}/api/users/me`, ADMIN_KEY)).json() as Record<string, unknown>
    expect(me["isAdmin"]).toBe(true)
    if (version === "v3.2") expect(me["clusterGroupId"]).toMatch(UUID)
    else expect(me["clusterGroupId"]).toBeNull()

    // A user a test inserts by hand (createUser adapts to the schema) is served the same way.
    const other = await createUser(sut.sql, "second@example.com")
    const second = await (await get(`${url}/api/users/me`, other.key)).json() as Record<string, unknown>
    expect(second).toMatchObject({ id: other.id, email: "second@example.com", isAdmin: false })
    const [row] = await sut.sql<Array<Record<string, unknown>>>`select * from "user" where "id" = ${other.id}`
    expect(second["clusterGroupId"]).toBe(version === "v3.2" ? row!["clusterGroupId"] : null)
  })

  it("uploads with and without v2-style device fields; fills upstream's device columns where they exist", async () => {
    const withFields = await makeJpeg(320, 240, 11)
    const withoutFields = await makeJpeg(320, 240, 12)
    const sent = await upload(url, ADMIN_KEY, "phone.jpg", withFields, {
      deviceAssetId: "phone-asset-7",
      deviceId: "pixel-8"
    })
    const bare = await upload(url, ADMIN_KEY, "cli 3.jpg", withoutFields, { withoutDeviceFields: true })
    expect(sent).toEqual({ status: 201, body: { id: expect.any(String), status: "created" } })
    expect(bare).toEqual({ status: 201, body: { id: expect.any(String), status: "created" } })

    const hasDeviceColumns = await hasColumn(sut.sql, "asset", "deviceAssetId")
    expect(hasDeviceColumns).toBe(version === "v2.7")
    if (hasDeviceColumns) {
      const device = async (id: string) =>
        (await sut.sql`select "deviceAssetId", "deviceId" from "asset" where "id" = ${id}`)[0]
      expect(await device(sent.body.id)).toEqual({ deviceAssetId: "phone-asset-7", deviceId: "pixel-8" })
      expect(await device(bare.body.id)).toEqual({
        deviceAssetId: `cli 3.jpg-${withoutFields.length}`,
        deviceId: "CLI"
      })
    }
    const duplicate = await upload(url, ADMIN_KEY, "again.jpg", withoutFields, { withoutDeviceFields: true })
    expect(duplicate).toEqual({ status: 200, body: { id: bare.body.id, status: "duplicate" } })
  })

  it("serves originals byte-identical, ranges as 206, and WebP thumbnails", async () => {
    const image = await makeJpeg(800, 600, 13)
    const body = { id: await uploadNew("range.jpg", image) }
    const whole = await get(`${url}/api/assets/${body.id}/original`, ADMIN_KEY)
    expect(whole.status).toBe(200)
    expect((await bytesOf(whole)).equals(image)).toBe(true)
    const partial = await get(`${url}/api/assets/${body.id}/original`, ADMIN_KEY, { range: "bytes=100-199" })
    expect(partial.status).toBe(206)
    expect(partial.headers.get("content-range")).toBe(`bytes 100-199/${image.length}`)
    expect((await bytesOf(partial)).equals(image.subarray(100, 200))).toBe(true)

    const thumbnail = await thumbnailOf(url, body.id)
    expect(thumbnail.type).toBe("image/webp")
    expect((await sharp(thumbnail.body).metadata()).format).toBe("webp")
  })

  it("answers durations as milliseconds or null, whether upstream stored them as text (v2) or integers (v3)", async () => {
    const body = { id: await uploadNew("still.jpg", await makeJpeg(64, 48, 14)) }
    const still = await (await get(`${url}/api/assets/${body.id}`, ADMIN_KEY)).json() as Record<string, unknown>
    expect(still["duration"] === null || typeof still["duration"] === "number", String(still["duration"])).toBe(true)

    // A video upstream's server wrote: v2.7 stores "0:00:05.250000", v3.2 stores 5250.
    const ownerId = await adminId()
    const videoId = await insertAssetRow(sut.sql, {
      ownerId,
      type: "VIDEO",
      originalPath: `${sut.base}/upload/${ownerId}/aa/bb/seeded.mp4`,
      originalFileName: "seeded.mp4",
      checksum: Buffer.from("seeded video checksum"),
      durationMs: 5250
    })
    const stored =
      (await sut.sql<Array<{ duration: string | number }>>`select "duration" from "asset" where "id" = ${videoId}`)[0]!
        .duration
    expect(stored).toBe(version === "v2.7" ? "0:00:05.250000" : 5250)
    const video = await (await get(`${url}/api/assets/${videoId}`, ADMIN_KEY)).json() as Record<string, unknown>
    expect(video["duration"]).toBe(5250)
    await sut.sql`delete from "asset" where "id" = ${videoId}`
  })

  it("deletes: rows gone, upstream's trigger writes asset_audit, asset_file rows cascade, files removed", async () => {
    const body = { id: await uploadNew("doomed.jpg", await makeJpeg(300, 200, 15)) }
    await thumbnailOf(url, body.id)
    const owner = await adminId()
    const fan = `${body.id.slice(0, 2)}/${body.id.slice(2, 4)}`
    const stored = async () =>
      [...await sut.listKeys(`upload/${owner}/${fan}`), ...await sut.listKeys(`thumbs/${owner}/${fan}`)].filter((k) =>
        k.includes(body.id)
      )
    expect((await stored()).length).toBe(3)
    expect((await sut.sql`select 1 from "asset_file" where "assetId" = ${body.id}`).length).toBe(2)

    const response = await fetch(`${url}/api/assets`, {
      method: "DELETE",
      headers: { "x-api-key": ADMIN_KEY, "content-type": "application/json" },
      body: JSON.stringify({ ids: [body.id], force: true })
    })
    expect(response.status).toBe(204)
    expect(await sut.sql`select 1 from "asset" where "id" = ${body.id}`).toEqual([])
    expect(await sut.sql`select 1 from "asset_file" where "assetId" = ${body.id}`).toEqual([])
    expect(await sut.sql`select "ownerId" from "asset_audit" where "assetId" = ${body.id}`).toEqual([{
      ownerId: owner
    }])
    expect(await eventually(async () => ((await stored()).length === 0 ? [] : undefined))).toEqual([])
  })

  it("writes a database backup under backups/ with upstream's name shape, and lists it", async () => {
    const job = await fetch(`${url}/api/jobs`, {
      method: "POST",
      headers: { "x-api-key": ADMIN_KEY, "content-type": "application/json" },
      body: JSON.stringify({ name: "backup-database" })
    })
    expect(job.status, await job.text()).toBe(204)
    const keys = await sut.listKeys("backups")
    expect(keys).toEqual([
      expect.stringMatching(/^backups\/immich-db-backup-\d{8}T\d{6}-v3\.2\.0-pg15[\d.]*\.sql\.gz$/)
    ])
    const listed = await (await get(`${url}/api/admin/database-backups`, ADMIN_KEY)).json() as {
      backups: Array<{ filename: string }>
    }
    expect(listed.backups.map((b) => b.filename)).toEqual([keys[0]!.slice("backups/".length)])
  })

  it("after restarts (with a changed media location on local disk) and a stop, the schema is exactly upstream's", async () => {
    // A v2-style client (device fields sent), so that this journey does not hinge on the fields' defaults.
    const keep = await upload(url, ADMIN_KEY, "kept.jpg", await makeJpeg(200, 100, 16), {
      deviceAssetId: "kept",
      deviceId: "test"
    })
    expect(keep.status, JSON.stringify(keep.body)).toBe(201)
    await thumbnailOf(url, keep.body.id)
    await sut.stop()
    if (engine === "local") {
      const moved = path.join(temp.path, "moved")
      await fs.rename(storage.base, moved)
      sut = await startServerOn({ ...storage, env: { IMMICH_MEDIA_LOCATION: moved }, base: moved }, {}, database)
      expect(sut.server.output()).toContain(`Media location changed from ${storage.base} to ${moved}: rewrote `)
      const [row] = await sut.sql<
        Array<{ originalPath: string }>
      >`select "originalPath" from "asset" where "id" = ${keep.body.id}`
      expect(row!.originalPath.startsWith(`${moved}/upload/`)).toBe(true)
    } else {
      sut = await startServerOn(storage, {}, database)
    }
    const again = await get(`${sut.server.url}/api/assets/${keep.body.id}/original`, ADMIN_KEY)
    expect(again.status).toBe(200)
    await again.arrayBuffer()
    await sut.stop()

    expect(await schemaSnapshot(watcher)).toEqual(before)
    expect(await readMigrations()).toEqual(migrationsBefore)
  })
})
