import { createTestDatabase, makeTempDir } from "@immich-storage/testkit"
import type { TempDir, TestDatabase } from "@immich-storage/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ADMIN_KEY, createUser, eventually, get, localStorage, startServerOn } from "./helpers.ts"
import type { ServerUnderTest, StorageUnderTest } from "./helpers.ts"

/**
 * A library of 10,000 assets (and as many of another user's) on our own database: the months add up, a
 * month comes back whole from one statement, and that statement walks our (owner, day) index rather than
 * the whole table. Times are printed; the bound is loose, to catch a query per asset, not to benchmark.
 */
const ASSETS = 10_000
const MONTHS = 20

describe("the timeline of 10,000 assets", () => {
  let temp: TempDir
  let storage: StorageUnderTest
  let database: TestDatabase
  let sut: ServerUnderTest

  /** `count` rows for `ownerId`, spread evenly over the `MONTHS` months before June 2024. */
  const generate = (ownerId: string, count: number) =>
    sut.sql`
      insert into "asset" ("ownerId", "type", "originalPath", "originalFileName", "checksum", "checksumAlgorithm",
                           "fileCreatedAt", "fileModifiedAt", "localDateTime", "width", "height")
      select ${ownerId}, 'IMAGE', ${`${sut.base}/upload/${ownerId}/gen/`} || n || '.jpg', n || '.jpg',
             sha256(convert_to(${ownerId} || n, 'UTF8')), 'sha1', t, t, t, 4000, 3000
      from generate_series(1, ${count}) as n,
           lateral (select timestamptz '2024-06-01' - (n % ${MONTHS} + 1) * interval '1 month'
                           + (n % 28) * interval '1 day' + n * interval '1 second' as t) as at`
  const timed = async (path: string) => {
    const started = performance.now()
    const response = await get(`${sut.server.url}${path}`, ADMIN_KEY)
    const body = await response.json() as unknown
    return { status: response.status, body, ms: performance.now() - started }
  }
  const indexScans = async () =>
    (await sut.sql<Array<{ scans: string }>>`
      select idx_scan::text as scans from pg_stat_user_indexes where indexrelname = 'asset_ownerId_localDate_idx'`)[0]!
      .scans

  beforeAll(async () => {
    temp = await makeTempDir()
    storage = await localStorage(temp)
    database = await createTestDatabase()
    sut = await startServerOn(storage, {}, database)
    const admin = (await sut.sql<Array<{ id: string }>>`select "id" from "user" where "isAdmin"`)[0]!.id
    const other = await createUser(sut.sql, "neighbour@example.com")
    await generate(admin, ASSETS)
    await generate(other.id, ASSETS)
    await sut.sql`analyze "asset"`
  })

  afterAll(async () => {
    await sut?.stop()
    await database?.drop()
    await storage?.cleanUp()
    await temp?.remove()
  })

  it("counts every month and answers each month whole, from the index", async () => {
    const buckets = await timed("/api/timeline/buckets")
    expect(buckets.status).toBe(200)
    const months = buckets.body as Array<{ timeBucket: string; count: number }>
    expect(months).toHaveLength(MONTHS)
    expect(months.reduce((sum, m) => sum + m.count, 0)).toBe(ASSETS)
    expect(months[0]!.timeBucket).toBe("2024-05-01")

    const scansBefore = await indexScans()
    const month = await timed(`/api/timeline/bucket?timeBucket=${months[3]!.timeBucket}`)
    expect(month.status).toBe(200)
    const columns = month.body as { id: Array<string>; ratio: Array<number> }
    expect(columns.id).toHaveLength(months[3]!.count)
    expect(new Set(columns.id).size).toBe(months[3]!.count)
    expect(columns.ratio.every((r) => r === 1.333)).toBe(true)
    // A server connection reports its statistics once idle, up to PostgreSQL's 10 s idle interval later.
    await eventually(async () => ((await indexScans()) !== scansBefore ? true : undefined), 20_000)

    console.info(
      `timeline of ${ASSETS} assets: buckets ${buckets.ms.toFixed(1)} ms, ` +
        `a month of ${months[3]!.count} ${month.ms.toFixed(1)} ms`
    )
    expect(buckets.ms).toBeLessThan(2_000)
    expect(month.ms).toBeLessThan(2_000)
  })
})
