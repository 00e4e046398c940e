import { CLI_MAIN, createTestDatabase, runScript, TEST_POSTGRES, unusedDatabaseName } from "@immich-storage/testkit"
import type { TestDatabase } from "@immich-storage/testkit"
import postgres from "postgres"
import { afterEach, describe, expect, it } from "vitest"

let database: TestDatabase | undefined
afterEach(async () => {
  await database?.drop()
  database = undefined
})

/** A database with the schema, one saved location and three paths: two under /data, one beside it. */
const seeded = async () => {
  database = await createTestDatabase()
  const env = { DB_DATABASE_NAME: database.name }
  // migrate-paths creates no tables (the server's first start does): give it the two it reads here.
  const sql = postgres({ ...TEST_POSTGRES, database: database.name, max: 1, onnotice: () => undefined })
  await sql`create table "user" (id serial, "profileImagePath" character varying not null default '')`
  await sql`create table system_metadata (key character varying primary key, value jsonb not null)`
  await sql`insert into system_metadata values ('MediaLocation', '{"location": "/data"}')`
  await sql`insert into "user" ("profileImagePath") values ('/data/profile/a.jpg'), ('/data/profile/b.jpg'), ('/data2/profile/c.jpg')`
  return { env, sql }
}

describe("immich-storage migrate-paths", () => {
  it("counts on --dry-run, rewrites for real, and saves the new location", async () => {
    const { env, sql } = await seeded()
    const dry = await runScript(CLI_MAIN, ["migrate-paths", "--to", "s3://photos/immich", "--dry-run"], env)
    expect(dry.code).toBe(0)
    expect(dry.stdout).toContain("Would rewrite paths from /data to s3://photos/immich (dry run: nothing changed)")
    expect(dry.stdout).toMatch(/user\.profileImagePath\s+2/)
    expect((await sql`select 1 from "user" where "profileImagePath" like 's3://%'`).length).toBe(0)

    const real = await runScript(CLI_MAIN, ["migrate-paths", "--to", "s3://photos/immich"], env)
    expect(real.code).toBe(0)
    expect(real.stdout).toMatch(/total\s+2/)
    const paths = (await sql<Array<{ p: string }>>`select "profileImagePath" as p from "user" order by id`).map((r) =>
      r.p
    )
    expect(paths).toEqual([
      "s3://photos/immich/profile/a.jpg",
      "s3://photos/immich/profile/b.jpg",
      "/data2/profile/c.jpg"
    ])
    const [saved] = await sql<
      Array<{ location: string }>
    >`select value->>'location' as location from system_metadata where key = 'MediaLocation'`
    expect(saved?.location).toBe("s3://photos/immich")
    await sql.end()
  })

  it("takes --to from the configuration, and refuses a base that is not one", async () => {
    const { env, sql } = await seeded()
    await sql.end()
    const configured = await runScript(CLI_MAIN, ["migrate-paths", "--dry-run"], {
      ...env,
      IMMICH_STORAGE_ENGINE: "s3",
      S3_BUCKET: "family-photos",
      S3_PREFIX: "lib"
    })
    expect(configured.stdout).toContain("from /data to s3://family-photos/lib")
    const bad = await runScript(CLI_MAIN, ["migrate-paths", "--from", "data", "--to", "/srv"], env)
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain("--from")
  })

  it("without a saved location, infers --from from the stored paths, or refuses naming the bases found", async () => {
    const { env, sql } = await seeded()
    await sql`delete from system_metadata`
    const mixed = await runScript(CLI_MAIN, ["migrate-paths", "--to", "/srv"], env)
    expect(mixed.code).toBe(1)
    expect(mixed.stderr).toContain("/data: 2 paths, e.g. /data/profile/")
    expect(mixed.stderr).toContain("/data2: 1 path, e.g. /data2/profile/c.jpg")
    expect(mixed.stderr).toContain("immich-storage migrate-paths --from <base> --to /srv")
    expect((await sql`select 1 from "user" where "profileImagePath" like '/srv/%'`).length).toBe(0)

    await sql`update "user" set "profileImagePath" = '/data/profile/c.jpg' where "profileImagePath" like '/data2/%'`
    const inferred = await runScript(CLI_MAIN, ["migrate-paths", "--to", "/srv"], env)
    expect(inferred.code).toBe(0)
    expect(inferred.stdout).toContain("the previous one, /data, was inferred from 3 sampled paths")
    expect(inferred.stdout).toMatch(/total\s+3/)
    const [saved] = await sql<Array<{ location: string }>>`
      select value->>'location' as location from system_metadata where key = 'MediaLocation'`
    expect(saved?.location).toBe("/srv")
    await sql.end()
  })

  it("has nothing to do on a database without paths, and says when it cannot reach the database", async () => {
    database = await createTestDatabase()
    const none = await runScript(CLI_MAIN, ["migrate-paths", "--to", "/srv"], { DB_DATABASE_NAME: database.name })
    expect(none.code).toBe(0)
    expect(none.stdout).toContain("Nothing to do: the database holds no paths")
    // A mistyped database name is reported, and no empty database is created for it, by a dry run or not.
    const missingName = unusedDatabaseName()
    const runs = [["migrate-paths", "--to", "/srv", "--dry-run"], ["migrate-paths", "--from", "/data", "--to", "/srv"]]
    for (const args of runs) {
      const missing = await runScript(CLI_MAIN, args, { DB_DATABASE_NAME: missingName })
      expect(missing.code).toBe(1)
      expect(missing.stderr).toContain(`does not exist`)
      expect(missing.stderr).toContain("check DB_DATABASE_NAME or DB_URL")
    }
    const admin = postgres({ ...TEST_POSTGRES, database: "postgres", max: 1, onnotice: () => undefined })
    const created = await admin`select 1 from pg_database where datname = ${missingName}`
    await admin.end()
    expect(created).toHaveLength(0)
    const down = await runScript(CLI_MAIN, ["migrate-paths", "--to", "/srv"], { DB_PORT: "1" })
    expect(down.code).toBe(1)
    expect(down.stderr).toContain("Cannot reach PostgreSQL")
  })
})
