import { createImmichDatabase, insertAssetRow, makeTempDir } from "@immich-storage/testkit"
import type { ImmichFixtureVersion, TempDir, TestDatabase } from "@immich-storage/testkit"
import * as Schema from "effect/Schema"
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { TimeBucketAssetResponse } from "../src/api/browsingDtos.ts"
import { ADMIN_KEY, get, localStorage, startServerOn } from "./helpers.ts"
import type { ServerUnderTest, StorageUnderTest } from "./helpers.ts"

/**
 * What only upstream's databases hold reaches the timeline as upstream serves it: thumbhashes, live photos,
 * stacks and EXIF places. The fixtures leave out `asset_exif` (no test needed it before), so this test
 * creates it with upstream's columns for these fields, as every real Immich database has it.
 */
const VERSIONS: ReadonlyArray<ImmichFixtureVersion> = ["v2.7", "v3.2"]
const decodeBucket = Schema.decodeUnknownSync(TimeBucketAssetResponse, { onExcessProperty: "error" })

describe.each(VERSIONS)("the timeline of an upstream %s database's own columns", (version) => {
  let temp: TempDir
  let storage: StorageUnderTest
  let database: TestDatabase
  let sut: ServerUnderTest
  const thumbhash = randomBytes(25)
  const id: Record<string, string> = {}

  const seed = async (ownerId: string, name: string, takenAt: string, type: "IMAGE" | "VIDEO" = "IMAGE") => {
    const assetId = await insertAssetRow(sut.sql, {
      ownerId,
      type,
      originalPath: `${sut.base}/upload/${ownerId}/cc/dd/${name}`,
      originalFileName: name,
      checksum: randomBytes(20)
    })
    await sut.sql`update "asset" set "fileCreatedAt" = ${takenAt}, "localDateTime" = ${takenAt} where "id" = ${assetId}`
    id[name] = assetId
    return assetId
  }
  const bucket = async (query: string) => {
    const response = await get(`${sut.server.url}/api/timeline/bucket?timeBucket=2024-06-01${query}`, ADMIN_KEY)
    expect(response.status).toBe(200)
    return decodeBucket(await response.json())
  }

  beforeAll(async () => {
    temp = await makeTempDir()
    storage = await localStorage(temp)
    database = await createImmichDatabase(version)
    sut = await startServerOn(storage, {}, database)
    await sut.sql`
      create table "asset_exif" (
        "assetId" uuid not null primary key references "asset" ("id") on update cascade on delete cascade,
        "city" character varying, "country" character varying, "projectionType" character varying,
        "latitude" double precision, "longitude" double precision)`
    // The schema is read at start: start again now that the table is there.
    await sut.stop()
    sut = await startServerOn(storage, {}, database)
    const owner = (await sut.sql<Array<{ id: string }>>`select "id" from "user" where "isAdmin"`)[0]!.id
    const live = await seed(owner, "live.heic", "2024-06-20T10:00:00Z")
    const motion = await seed(owner, "live.mov", "2024-06-20T10:00:00Z", "VIDEO")
    // Upstream hides the motion part of a live photo and links it from the still.
    await sut.sql`update "asset" set "visibility" = 'hidden' where "id" = ${motion}`
    await sut.sql`update "asset" set "livePhotoVideoId" = ${motion}, "thumbhash" = ${thumbhash} where "id" = ${live}`
    await sut.sql`
      insert into "asset_exif" ("assetId", "city", "country", "projectionType", "latitude", "longitude")
      values (${live}, 'Lyon', 'France', 'EQUIRECTANGULAR', 45.76, 4.84)`
    const primary = await seed(owner, "burst-1.jpg", "2024-06-10T10:00:00Z")
    const member = await seed(owner, "burst-2.jpg", "2024-06-10T10:00:01Z")
    const [stack] = await sut.sql<Array<{ id: string }>>`
      insert into "stack" ("ownerId", "primaryAssetId") values (${owner}, ${primary}) returning "id"`
    await sut.sql`update "asset" set "stackId" = ${stack!.id} where "id" in (${primary}, ${member})`
    id["stack"] = stack!.id
  })

  afterAll(async () => {
    await sut?.stop()
    await database?.drop()
    await storage?.cleanUp()
    await temp?.remove()
  })

  it("still reads the database as upstream's, unaltered by the start", () => {
    expect(sut.server.output()).toContain(`Immich database schema: ${version}`)
  })

  it("thumbhash in base64, the live photo's video id, and EXIF city, country and projection", async () => {
    const june = await bucket("")
    expect(june.id).toEqual([id["live.heic"], id["burst-2.jpg"], id["burst-1.jpg"]])
    expect(june.thumbhash).toEqual([thumbhash.toString("base64"), null, null])
    expect(june.livePhotoVideoId).toEqual([id["live.mov"], null, null])
    expect(june.city).toEqual(["Lyon", null, null])
    expect(june.country).toEqual(["France", null, null])
    expect(june.projectionType).toEqual(["EQUIRECTANGULAR", null, null])
    expect(june.stack).toBeUndefined()
    expect(june.latitude).toBeUndefined()
    const placed = await bucket("&withCoordinates=true")
    expect([placed.latitude, placed.longitude]).toEqual([[45.76, null, null], [4.84, null, null]])
  })

  it("withStacked: a stack shows as its primary asset with [stackId, count], its other members hidden", async () => {
    const stacked = await bucket("&withStacked=true")
    expect(stacked.id).toEqual([id["live.heic"], id["burst-1.jpg"]])
    expect(stacked.stack).toEqual([null, [id["stack"], "2"]])
    const counts = await (await get(`${sut.server.url}/api/timeline/buckets?withStacked=true`, ADMIN_KEY)).json()
    expect(counts).toEqual([{ timeBucket: "2024-06-01", count: 2 }])
  })
})
