import {
  connectTo,
  createTestBucket,
  createTestDatabase,
  makeTempDir,
  runScript,
  s3TestEnv
} from "@immich-storage/testkit"
import type { TempDir, TestDatabase } from "@immich-storage/testkit"
import { randomBytes } from "node:crypto"
import { afterAll, describe, expect, it } from "vitest"
import { inject } from "vitest"
import {
  ADMIN_KEY,
  bytesOf,
  CLI_MAIN,
  eventually,
  get,
  localStorage,
  makeJpeg,
  orphans,
  s3Storage,
  SERVER_MAIN,
  startServerOn,
  upload
} from "./helpers.ts"
import type { ServerUnderTest, StorageUnderTest } from "./helpers.ts"

const cleanUps: Array<() => Promise<unknown>> = []
afterAll(async () => {
  for (const cleanUp of cleanUps.reverse()) await cleanUp()
})

const sync = async (from: string, to: string) => {
  const result = await runScript(CLI_MAIN, ["sync", from, to], s3TestEnv(inject("s3Endpoint")))
  expect(result.code, result.stderr).toBe(0)
}

const downloadsMatch = async (sut: ServerUnderTest, expected: ReadonlyArray<{ id: string; bytes: Buffer }>) => {
  for (const { bytes, id } of expected) {
    const original = await get(`${sut.server.url}/api/assets/${id}/original`, ADMIN_KEY)
    expect(original.status).toBe(200)
    expect((await bytesOf(original)).equals(bytes)).toBe(true)
    expect((await get(`${sut.server.url}/api/assets/${id}/thumbnail`, ADMIN_KEY)).status).toBe(200)
  }
}

describe("switching engines", () => {
  it("local → sync to the bucket → restart on S3 → paths rewritten, downloads identical; and back", async () => {
    const temp: TempDir = await makeTempDir()
    cleanUps.push(() => temp.remove())
    const database: TestDatabase = await createTestDatabase()
    cleanUps.push(() => database.drop())
    const local: StorageUnderTest = await localStorage(temp)
    const bucket = await createTestBucket(inject("s3Endpoint"))
    const s3: StorageUnderTest = await s3Storage(inject("s3Endpoint"), bucket)
    cleanUps.push(() => s3.cleanUp())

    // 1. On local disk: two photos, with their thumbnails.
    let sut = await startServerOn(local, {}, database)
    const assets: Array<{ id: string; bytes: Buffer }> = []
    for (const seed of [1, 2]) {
      const bytes = await makeJpeg(400, 300, seed)
      assets.push({ id: (await upload(sut.server.url, ADMIN_KEY, `photo-${seed}.jpg`, bytes)).body.id, bytes })
    }
    for (const { id } of assets)
      await eventually(
        async () => ((await get(`${sut.server.url}/api/assets/${id}/thumbnail`, ADMIN_KEY)).status === 200
          ? true
          : undefined)
      )
    await sut.stop()

    // 2. Copy everything to the bucket and start on S3 with the same database.
    await sync(local.base, s3.base)
    sut = await startServerOn(s3, {}, database)
    expect(sut.server.output()).toContain(`Media location changed from ${local.base} to ${s3.base}: rewrote 6 paths`)
    const paths = await sut.sql<
      Array<{ path: string }>
    >`select "originalPath" as "path" from "asset" union all select "path" from "asset_file"`
    expect(paths.length).toBe(6)
    for (const { path } of paths) expect(path.startsWith(`${s3.base}/`), path).toBe(true)
    await downloadsMatch(sut, assets)
    expect(await orphans(sut)).toEqual([])

    // 3. A photo uploaded on S3, then the way back: sync to the folder, restart on local disk.
    const bytes = await makeJpeg(200, 100, 3)
    assets.push({ id: (await upload(sut.server.url, ADMIN_KEY, "photo-3.jpg", bytes)).body.id, bytes })
    await eventually(
      async () => ((await get(`${sut.server.url}/api/assets/${assets[2]!.id}/thumbnail`, ADMIN_KEY)).status === 200
        ? true
        : undefined)
    )
    await sut.stop()
    await sync(s3.base, local.base)
    sut = await startServerOn(local, {}, database)
    expect(sut.server.output()).toContain(`Media location changed from ${s3.base} to ${local.base}: rewrote 9 paths`)
    await downloadsMatch(sut, assets)
    expect(await orphans(sut)).toEqual([])
    await sut.stop()
  })

  it("refuses to start on an S3 bucket nobody synced, and changes no path", async () => {
    const storage = await localStorage()
    const database = await createTestDatabase()
    cleanUps.push(() => storage.cleanUp(), () => database.drop())
    const sut = await startServerOn(storage, {}, database)
    const { body } = await upload(sut.server.url, ADMIN_KEY, "only-here.mp4", randomBytes(1000))
    await sut.stop()
    const empty = await s3Storage(inject("s3Endpoint"))
    cleanUps.push(() => empty.cleanUp())
    const result = await runScript(SERVER_MAIN, [], {
      ...empty.env,
      DB_DATABASE_NAME: database.name,
      IMMICH_PORT: "0",
      IMMICH_ADMIN_API_KEY: ADMIN_KEY
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`Failed to read "upload/.immich"`)
    const sql = connectTo(database.name)
    const [row] = await sql<Array<{ originalPath: string }>>`select "originalPath" from "asset" where "id" = ${body.id}`
    await sql.end()
    expect(row!.originalPath.startsWith(`${storage.base}/upload/`)).toBe(true)
  })
})
