import {
  CLI_MAIN,
  createTestBucket,
  createTestDatabase,
  runScript,
  s3TestEnv,
  TEST_POSTGRES
} from "@immich-storage/testkit"
import type { TestDatabase } from "@immich-storage/testkit"
import postgres from "postgres"
import { afterEach, describe, expect, inject, it } from "vitest"

const databases: Array<TestDatabase> = []
afterEach(async () => {
  for (const db of databases.splice(0)) await db.drop()
})

describe("immich-storage backups", () => {
  it("creates a backup in s3://<bucket>/<prefix>/backups, lists it, restores it, and prunes", async () => {
    const source = await createTestDatabase()
    const target = await createTestDatabase()
    databases.push(source, target)
    const sql = postgres({ ...TEST_POSTGRES, database: source.name, max: 1, onnotice: () => undefined })
    await sql`create table album (id serial primary key, title text not null)`
    await sql`insert into album (title) values ('Summer 2019'), ('Grandma''s 90th')`
    await sql.end()
    const env = {
      DB_DATABASE_NAME: source.name,
      IMMICH_STORAGE_ENGINE: "s3",
      ...s3TestEnv(inject("s3Endpoint"), await createTestBucket(inject("s3Endpoint")), "immich")
    }
    const cli = (...args: Array<string>) => runScript(CLI_MAIN, ["backups", ...args], env)

    expect((await cli("list")).stdout).toContain("No backups yet.")
    const created = await cli("create")
    expect(created.code).toBe(0)
    const name = /Created (immich-db-backup-\S+\.sql\.gz)/.exec(created.stdout)?.[1]
    expect(name).toBeDefined()
    // Named for the Immich version whose dump format it holds, so Immich's restore takes it for one database.
    expect(name).toMatch(/^immich-db-backup-\d{8}T\d{6}-v3\.2\.0-pg[\d.]+\.sql\.gz$/)
    expect((await cli("list")).stdout).toContain(name)

    const restored = await cli("restore", name!, "--to", target.url)
    expect(restored.code).toBe(0)
    const check = postgres({ ...TEST_POSTGRES, database: target.name, max: 1, onnotice: () => undefined })
    const rows = await check<Array<{ title: string }>>`select title from album order by id`
    await check.end()
    expect(rows.map((r) => r.title)).toEqual(["Summer 2019", "Grandma's 90th"])

    const refused = await cli("prune", "--keep", "0")
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain("at least 1")
    expect((await cli("prune", "--keep", "1")).stdout).toContain("Nothing to delete")
    const missing = await cli("restore", "immich-db-backup-20000101T000000-v1-pg1.sql.gz", "--to", target.url)
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain("No backup named")
  })
})
