import { createDatabaseOfKind, insertAssetRow, makeTempDir } from "@immich-storage/testkit"
import type { TempDir, TestDatabase, TestDatabaseKind } from "@immich-storage/testkit"
import * as Schema from "effect/Schema"
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  ServerAboutResponse,
  ServerConfigResponse,
  ServerFeaturesResponse,
  TimeBucketAssetResponse,
  TimeBucketsResponse
} from "../src/api/browsingDtos.ts"
import { ADMIN_KEY, createUser, get, localStorage, startServerOn } from "./helpers.ts"
import type { ServerUnderTest, StorageUnderTest } from "./helpers.ts"

/**
 * The browsing API on our own database and on upstream's v2.7 and v3.2 schemas: every answer decodes with
 * upstream's v3.2 DTO shapes, a timeline holds only the caller's own assets, and trashed, hidden and locked
 * assets stay out as upstream keeps them out. Rows are written by SQL, as upstream's server writes them.
 */
const KINDS: ReadonlyArray<TestDatabaseKind> = ["own", "v2.7", "v3.2"]
const decodeBuckets = Schema.decodeUnknownSync(Schema.Array(TimeBucketsResponse), { onExcessProperty: "error" })
const decodeBucket = Schema.decodeUnknownSync(TimeBucketAssetResponse, { onExcessProperty: "error" })
const BUCKET_COLUMNS = [
  "id",
  "ownerId",
  "ratio",
  "isFavorite",
  "visibility",
  "isTrashed",
  "isImage",
  "thumbhash",
  "fileCreatedAt",
  "createdAt",
  "localOffsetHours",
  "duration",
  "projectionType",
  "livePhotoVideoId",
  "city",
  "country"
]

interface Seed {
  readonly name: string
  /** UTC instant the file was made; the local time is `offsetHours` later on the clock. */
  readonly takenAt: string
  readonly offsetHours?: number
  readonly visibility?: "archive" | "timeline" | "hidden" | "locked"
  readonly favorite?: boolean
  readonly trashed?: boolean
  readonly video?: { readonly durationMs: number }
  readonly size?: readonly [number, number]
}

describe.each(KINDS)("the timeline on a %s database", (kind) => {
  let temp: TempDir
  let storage: StorageUnderTest
  let database: TestDatabase
  let sut: ServerUnderTest
  let url: string
  let adminId: string
  let other: { id: string; key: string }
  const ids = new Map<string, string>()

  const seed = async (ownerId: string, s: Seed) => {
    const id = await insertAssetRow(sut.sql, {
      ownerId,
      originalPath: `${sut.base}/upload/${ownerId}/aa/bb/${s.name}`,
      originalFileName: s.name,
      checksum: randomBytes(20),
      type: s.video === undefined ? "IMAGE" : "VIDEO",
      ...(s.video === undefined ? {} : { durationMs: s.video.durationMs })
    })
    const taken = new Date(s.takenAt)
    const local = new Date(taken.getTime() + (s.offsetHours ?? 0) * 3_600_000)
    const [width, height] = s.size ?? [null, null]
    await sut.sql`
      update "asset" set "fileCreatedAt" = ${taken}, "localDateTime" = ${local}, "isFavorite" = ${s.favorite ?? false},
        "visibility" = ${s.visibility ?? "timeline"}, "width" = ${width}, "height" = ${height},
        "deletedAt" = ${s.trashed === true ? new Date() : null}, "status" = ${s.trashed === true ? "trashed" : "active"}
      where "id" = ${id}`
    ids.set(s.name, id)
    return id
  }
  /** `key` null: no credentials at all. */
  const json = async (path: string, key: string | null = ADMIN_KEY) => {
    const response = await get(`${url}${path}`, key ?? undefined)
    // Also the month PostgreSQL serialised, answered as it is: JSON, labelled as JSON.
    expect(response.headers.get("content-type")).toMatch(/^application\/json/)
    return { status: response.status, body: await response.json() as unknown }
  }
  const bucketOf = async (query: string, key: string = ADMIN_KEY) => {
    const answer = await json(`/api/timeline/bucket?${query}`, key)
    expect(answer.status, JSON.stringify(answer.body)).toBe(200)
    return decodeBucket(answer.body)
  }
  const bucketsOf = async (query: string, key: string = ADMIN_KEY) => {
    const answer = await json(`/api/timeline/buckets${query === "" ? "" : `?${query}`}`, key)
    expect(answer.status, JSON.stringify(answer.body)).toBe(200)
    return decodeBuckets(answer.body)
  }

  beforeAll(async () => {
    temp = await makeTempDir()
    storage = await localStorage(temp)
    database = await createDatabaseOfKind(kind)
    sut = await startServerOn(storage, {}, database)
    url = sut.server.url
    adminId = (await sut.sql<Array<{ id: string }>>`select "id" from "user" where "isAdmin"`)[0]!.id
    other = await createUser(sut.sql, "other@example.com")
    // May 2024: four shown by default (one archived, one a favourite video), three that never are by default.
    await seed(adminId, { name: "may-late.jpg", takenAt: "2024-05-20T08:00:00Z", offsetHours: 2, size: [4000, 3000] })
    await seed(adminId, {
      name: "may-early.jpg",
      takenAt: "2024-05-02T09:30:00Z",
      offsetHours: -5.5,
      size: [3000, 4000]
    })
    await seed(adminId, { name: "may-archived.jpg", takenAt: "2024-05-10T12:00:00Z", visibility: "archive" })
    await seed(adminId, {
      name: "may-clip.mp4",
      takenAt: "2024-05-15T18:00:00Z",
      favorite: true,
      video: { durationMs: 5250 }
    })
    await seed(adminId, { name: "may-hidden.mp4", takenAt: "2024-05-16T18:00:00Z", visibility: "hidden" })
    await seed(adminId, { name: "may-locked.jpg", takenAt: "2024-05-17T18:00:00Z", visibility: "locked" })
    await seed(adminId, { name: "may-trashed.jpg", takenAt: "2024-05-18T18:00:00Z", trashed: true })
    // The last minutes of 2023 in UTC are January 2024 on the local clock: the local clock decides.
    await seed(adminId, { name: "new-year.jpg", takenAt: "2023-12-31T23:30:00Z", offsetHours: 1 })
    await seed(adminId, { name: "december.jpg", takenAt: "2023-12-05T10:00:00Z" })
    // Someone else's, in the same month and in a month of their own.
    await seed(other.id, { name: "theirs-may.jpg", takenAt: "2024-05-21T10:00:00Z" })
    await seed(other.id, { name: "theirs-2022.jpg", takenAt: "2022-01-03T10:00:00Z" })
  })

  afterAll(async () => {
    await sut?.stop()
    await database?.drop()
    await storage?.cleanUp()
    await temp?.remove()
  })

  it("GET /api/timeline/buckets: the caller's months, newest first, counting what upstream shows by default", async () => {
    expect(await bucketsOf("")).toEqual([
      { timeBucket: "2024-05-01", count: 4 },
      { timeBucket: "2024-01-01", count: 1 },
      { timeBucket: "2023-12-01", count: 1 }
    ])
    expect((await bucketsOf("order=asc")).map((b) => b.timeBucket)).toEqual(["2023-12-01", "2024-01-01", "2024-05-01"])
    expect(await bucketsOf("visibility=timeline")).toContainEqual({ timeBucket: "2024-05-01", count: 3 })
    expect(await bucketsOf("visibility=archive")).toEqual([{ timeBucket: "2024-05-01", count: 1 }])
    expect(await bucketsOf("visibility=hidden")).toEqual([{ timeBucket: "2024-05-01", count: 1 }])
    expect(await bucketsOf("isFavorite=true")).toEqual([{ timeBucket: "2024-05-01", count: 1 }])
    expect(await bucketsOf("isTrashed=true")).toEqual([{ timeBucket: "2024-05-01", count: 1 }])
    // Someone else sees only their own, never the admin's.
    expect(await bucketsOf("", other.key)).toEqual([
      { timeBucket: "2024-05-01", count: 1 },
      { timeBucket: "2022-01-01", count: 1 }
    ])
  })

  it("GET /api/timeline/bucket: the month's assets column by column, in upstream's v3.2 shape and order", async () => {
    const may = await bucketOf("timeBucket=2024-05-01")
    expect(Object.keys(may).sort()).toEqual([...BUCKET_COLUMNS].sort())
    // Newest first by the local day, then by the time taken.
    expect(may.id).toEqual(["may-late.jpg", "may-clip.mp4", "may-archived.jpg", "may-early.jpg"].map((n) => ids.get(n)))
    for (const values of Object.values(may)) expect((values as Array<unknown>).length).toBe(4)
    expect(may.ownerId).toEqual([adminId, adminId, adminId, adminId])
    expect(may.ratio).toEqual([1.333, 1, 1, 0.75])
    expect(may.isImage).toEqual([true, false, true, true])
    expect(may.isFavorite).toEqual([false, true, false, false])
    expect(may.visibility).toEqual(["timeline", "timeline", "archive", "timeline"])
    expect(may.isTrashed).toEqual([false, false, false, false])
    // A v2 text duration ("0:00:05.250000") and a v3 integer are both milliseconds; images have none.
    expect(may.duration).toEqual([null, 5250, null, null])
    expect(may.localOffsetHours).toEqual([2, 0, 0, -5.5])
    expect(may.fileCreatedAt).toEqual([
      "2024-05-20T08:00:00",
      "2024-05-15T18:00:00",
      "2024-05-10T12:00:00",
      "2024-05-02T09:30:00"
    ])
    for (const createdAt of may.createdAt) expect(Number.isNaN(Date.parse(`${createdAt}Z`))).toBe(false)
    expect(may.livePhotoVideoId).toEqual([null, null, null, null])
    expect(may.thumbhash).toEqual([null, null, null, null])
    expect(may.city).toEqual([null, null, null, null])
  })

  it("the bucket follows the same filters, and an old client's ISO timestamp names the same month", async () => {
    const iso = await bucketOf("timeBucket=2024-05-01T00:00:00.000Z")
    expect(iso.id).toHaveLength(4)
    expect((await bucketOf("timeBucket=2024-05-01&order=asc")).id[0]).toBe(ids.get("may-early.jpg"))
    expect((await bucketOf("timeBucket=2024-05-01&visibility=timeline")).id).not.toContain(ids.get("may-archived.jpg"))
    expect((await bucketOf("timeBucket=2024-05-01&isTrashed=true")).id).toEqual([ids.get("may-trashed.jpg")])
    expect((await bucketOf("timeBucket=2024-05-01&isTrashed=true")).isTrashed).toEqual([true])
    expect((await bucketOf("timeBucket=2024-05-01&visibility=hidden")).id).toEqual([ids.get("may-hidden.mp4")])
    expect((await bucketOf("timeBucket=2024-01-01")).id).toEqual([ids.get("new-year.jpg")])
    // The upload time instead of the time taken: every row here was uploaded just now.
    const byUpload = await bucketsOf("orderBy=createdAt")
    expect(byUpload).toHaveLength(1)
    expect(byUpload[0]!.count).toBe(6)
  })

  it("never shows anyone else's assets, even when asked for their month", async () => {
    const theirMonth = await bucketOf("timeBucket=2022-01-01")
    expect(theirMonth.id).toEqual([])
    expect(Object.keys(theirMonth).sort()).toEqual([...BUCKET_COLUMNS].sort())
    expect((await bucketOf("timeBucket=2024-05-01", other.key)).id).toEqual([ids.get("theirs-may.jpg")])
    expect((await bucketOf("timeBucket=2024-05-01")).id).not.toContain(ids.get("theirs-may.jpg"))
    const asThem = await json(`/api/timeline/buckets?userId=${other.id}`)
    expect(asThem).toEqual({
      status: 400,
      body: expect.objectContaining({ message: "Not found or no timeline.read access" })
    })
  })

  it("coordinates and stacks only when asked for, as upstream", async () => {
    const withBoth = await bucketOf("timeBucket=2024-05-01&withCoordinates=true&withStacked=true")
    expect(withBoth.latitude).toEqual([null, null, null, null])
    expect(withBoth.longitude).toEqual([null, null, null, null])
    expect(withBoth.stack).toEqual([null, null, null, null])
  })

  it("refuses what it cannot answer honestly, in Immich's error shape", async () => {
    const locked = await json("/api/timeline/buckets?visibility=locked")
    expect(locked).toEqual({
      status: 401,
      body: expect.objectContaining({ message: "Elevated permission is required" })
    })
    expect((await json("/api/timeline/bucket?timeBucket=May")).status).toBe(400)
    expect((await json("/api/timeline/bucket")).status).toBe(400)
    expect((await json("/api/timeline/buckets?visibility=everything")).status).toBe(400)
    expect((await json("/api/timeline/buckets?isFavorite=maybe")).status).toBe(400)
    expect((await json(`/api/timeline/buckets?albumId=${adminId}`)).status).toBe(400)
    expect((await json("/api/timeline/buckets?withPartners=true")).status).toBe(400)
    expect((await bucketsOf("withPartners=true&visibility=timeline")).map((b) => b.count)).toEqual([3, 1, 1])
    expect((await json("/api/timeline/buckets", null)).status).toBe(401)
    expect((await json("/api/timeline/bucket?timeBucket=2024-05-01", "wrong-key-0123456789abcdef")).status).toBe(401)
  })

  it("GET /api/server/about, /config and /features: upstream's v3.2 shapes with honest values", async () => {
    const about = await json("/api/server/about")
    expect(about.status).toBe(200)
    expect(Schema.decodeUnknownSync(ServerAboutResponse, { onExcessProperty: "error" })(about.body)).toMatchObject({
      version: "v3.2.0",
      licensed: false
    })
    expect((await json("/api/server/about", null)).status).toBe(401)
    // Both are public upstream: a client reads them before it logs in.
    const config = await json("/api/server/config", null)
    // The first start's admin holds the API key but no password: web clients offer the sign-up until then.
    expect(Schema.decodeUnknownSync(ServerConfigResponse, { onExcessProperty: "error" })(config.body)).toMatchObject({
      isInitialized: false,
      maintenanceMode: false,
      trashDays: 0
    })
    const signUp = await fetch(`${url}/api/auth/admin-sign-up`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "first@example.com", name: "First", password: "a password" })
    })
    expect(signUp.status).toBe(201)
    expect((await json("/api/server/config", null)).body).toMatchObject({ isInitialized: true, isOnboarded: true })
    const features = Schema.decodeUnknownSync(ServerFeaturesResponse, { onExcessProperty: "error" })(
      (await json("/api/server/features", null)).body
    )
    expect(Object.entries(features).filter(([, on]) => on).map(([name]) => name).sort()).toEqual([
      "passwordLogin",
      "sidecar"
    ])
  })
})
