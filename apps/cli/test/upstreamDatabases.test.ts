import {
  CLI_MAIN,
  createImmichDatabase,
  createTestBucket,
  createTestDatabase,
  insertAssetRow,
  insertPersonRow,
  insertUserRow,
  makeTempDir,
  runScript,
  s3TestEnv,
  schemaSnapshot,
  startServer,
  TEST_POSTGRES
} from "@immich-storage/testkit"
import type { ImmichFixtureVersion, RunningServer, TempDir, TestDatabase } from "@immich-storage/testkit"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import postgres from "postgres"
import { afterEach, describe, expect, inject, it } from "vitest"

/**
 * The CLI's journeys on databases upstream Immich's migrations created (the testkit's v2.7 and v3.2 fixtures):
 * paths move at a `/` boundary and back, external-library files stay, and the schema is left as upstream made it.
 */
const cleanUps: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const cleanUp of cleanUps.splice(0).reverse()) await cleanUp()
})

const fixture = async (version: ImmichFixtureVersion) => {
  const database: TestDatabase = await createImmichDatabase(version)
  cleanUps.push(() => database.drop())
  const sql = postgres({ ...TEST_POSTGRES, database: database.name, max: 1, onnotice: () => undefined })
  cleanUps.push(() => sql.end())
  return { database, sql, env: { DB_DATABASE_NAME: database.name } }
}

/** Every stored path as `table.column path`, sorted: what migrate-paths may change, and nothing else. */
const storedPaths = async (sql: postgres.Sql): Promise<Array<string>> =>
  (await sql<Array<{ line: string }>>`
    select 'asset.originalPath ' || "originalPath" as line from asset
    union all select 'asset_file.path ' || "path" from asset_file
    union all select 'person.thumbnailPath ' || "thumbnailPath" from person
    union all select 'user.profileImagePath ' || "profileImagePath" from "user"`).map((r) => r.line).sort()

/** Under base `/data`: an asset with a thumbnail and preview, a face, a profile image; beside it, what must stay. */
const seedPaths = async (sql: postgres.Sql) => {
  await sql`insert into system_metadata (key, value) values ('MediaLocation', ${sql.json({ location: "/data" })})`
  const owner = await insertUserRow(sql, {
    email: "owner@example.com",
    profileImagePath: "/data/profile/owner/face.jpg"
  })
  await insertUserRow(sql, { email: "beside@example.com", profileImagePath: "/data2/profile/beside.jpg" })
  const managed = await insertAssetRow(sql, {
    ownerId: owner,
    originalPath: `/data/upload/${owner}/aa/bb/photo.jpg`,
    originalFileName: "photo.jpg",
    checksum: Buffer.from("managed")
  })
  for (const type of ["thumbnail", "preview"]) {
    await sql`insert into asset_file ("assetId", "type", "path") values (${managed}, ${type}, ${`/data/thumbs/${owner}/aa/bb/${managed}_${type}.webp`})`
  }
  await insertAssetRow(sql, {
    ownerId: owner,
    originalPath: "/data2/upload/beside.jpg",
    originalFileName: "beside.jpg",
    checksum: Buffer.from("beside")
  })
  const [library] = await sql<Array<{ id: string }>>`
    insert into library (name, "ownerId", "importPaths", "exclusionPatterns")
    values ('imports', ${owner}, ${sql.array(["/data/imports"])}, ${sql.array([] as Array<string>)}) returning id`
  await insertAssetRow(sql, {
    ownerId: owner,
    libraryId: library!.id,
    originalPath: "/data/imports/external.jpg",
    originalFileName: "external.jpg",
    checksum: Buffer.from("external")
  })
  await insertPersonRow(sql, owner, `/data/thumbs/${owner}/cc/dd/person.jpeg`)
}

describe.each(["v2.7", "v3.2"] as const)("immich-storage on an upstream Immich %s database", (version) => {
  it("migrate-paths moves the media location's paths to an S3 base and back; siblings and external files stay", async () => {
    const { sql, env } = await fixture(version)
    await seedPaths(sql)
    const schema = await schemaSnapshot(sql)
    const original = await storedPaths(sql)
    const base = "s3://photos/immich"
    const there = await runScript(CLI_MAIN, ["migrate-paths", "--to", base], env)
    expect(there.code, there.stdout + there.stderr).toBe(0)
    expect(there.stdout).toMatch(/total\s+5/)

    const moved = original.map((
      line
    ) => (line.includes(" /data/") && !line.includes("/data/imports/") ? line.replace(" /data/", ` ${base}/`) : line))
    expect(moved.filter((line) => line.includes(base)).length).toBe(5)
    expect(await storedPaths(sql)).toEqual(moved.sort())
    expect((await sql`select value->>'location' as l from system_metadata where key = 'MediaLocation'`)[0]?.["l"]).toBe(
      base
    )

    const back = await runScript(CLI_MAIN, ["migrate-paths", "--to", "/data"], env)
    expect(back.code, back.stdout + back.stderr).toBe(0)
    expect(await storedPaths(sql)).toEqual(original)
    expect(await schemaSnapshot(sql)).toEqual(schema)
  })

  it("backups: creates a dump of the upstream database, lists it, and it restores to the same schema", async () => {
    const { sql, env } = await fixture(version)
    const temp: TempDir = await makeTempDir()
    cleanUps.push(() => temp.remove())
    const target = await createTestDatabase()
    cleanUps.push(() => target.drop())
    const cli = (...args: Array<string>) =>
      runScript(CLI_MAIN, ["backups", ...args], { ...env, IMMICH_MEDIA_LOCATION: temp.path })

    const created = await cli("create")
    expect(created.code, created.stderr).toBe(0)
    const name = /Created (immich-db-backup-\S+\.sql\.gz)/.exec(created.stdout)?.[1]
    expect(name).toMatch(/^immich-db-backup-\d{8}T\d{6}-v3\.2\.0-pg15[\d.]*\.sql\.gz$/)
    const listed = await cli("list")
    expect(listed.code).toBe(0)
    expect(listed.stdout).toContain(name)

    const restored = await cli("restore", name!, "--to", target.url)
    expect(restored.code, restored.stderr).toBe(0)
    const check = postgres({ ...TEST_POSTGRES, database: target.name, max: 1, onnotice: () => undefined })
    cleanUps.push(() => check.end())
    expect(await schemaSnapshot(check)).toEqual(await schemaSnapshot(sql))
  })
})

describe("immich-storage migrate on an upstream Immich v3.2 database", () => {
  let server: RunningServer | undefined
  afterEach(async () => {
    await server?.stop()
    server = undefined
  })

  it("cuts a running install over to S3: bulk copy, stop, final copy, verify, paths switched, schema untouched", async () => {
    const { sql, env } = await fixture("v3.2")
    const temp: TempDir = await makeTempDir()
    cleanUps.push(() => temp.remove())
    const media = path.join(temp.path, "media")
    const s3 = s3TestEnv(inject("s3Endpoint"), await createTestBucket(inject("s3Endpoint")), "immich")
    const schema = await schemaSnapshot(sql)

    server = await startServer({ IMMICH_MEDIA_LOCATION: media, ...env })
    await fs.mkdir(path.join(media, "profile/u"), { recursive: true })
    await fs.writeFile(path.join(media, "profile/u/face.jpg"), "face")
    await insertUserRow(sql, { email: "a@example.com", profileImagePath: `${media}/profile/u/face.jpg` })
    const bulk = await runScript(CLI_MAIN, ["migrate", "--to", "s3"], { ...env, ...s3 })
    expect(bulk.code, bulk.stdout + bulk.stderr).toBe(0)
    expect(bulk.stdout).toContain("The server is still running")

    await server.stop()
    server = undefined
    const final = await runScript(CLI_MAIN, ["migrate", "--to", "s3"], { ...env, ...s3 })
    expect(final.code, final.stdout + final.stderr).toBe(0)
    expect(final.stdout).toMatch(/Verified: all \d+ files/)
    const bucketBase = `s3://${s3["S3_BUCKET"]}/immich`
    const profile = await sql<
      Array<{ p: string }>
    >`select "profileImagePath" as p from "user" where email = 'a@example.com'`
    expect(profile[0]?.p).toBe(`${bucketBase}/profile/u/face.jpg`)

    server = await startServer({ IMMICH_STORAGE_ENGINE: "s3", ...s3, ...env })
    expect(server.output()).toContain(`${bucketBase} passed its integrity check`)
    expect(server.output()).not.toContain("Media location changed")
    await server.stop()
    server = undefined
    expect(await schemaSnapshot(sql)).toEqual(schema)
  })
})
