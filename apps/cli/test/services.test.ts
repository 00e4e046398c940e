import { CLI_MAIN, createTestDatabase, makeTempDir, runScript, TEST_POSTGRES } from "@immich-storage/testkit"
import type { TempDir, TestDatabase } from "@immich-storage/testkit"
import * as path from "node:path"
import postgres from "postgres"
import { afterEach, describe, expect, it } from "vitest"

let temp: TempDir | undefined
let database: TestDatabase | undefined
afterEach(async () => {
  await temp?.remove()
  await database?.drop()
  temp = undefined
  database = undefined
})

const databaseExists = async (name: string) => {
  const sql = postgres({ ...TEST_POSTGRES, database: "postgres", max: 1, onnotice: () => undefined })
  try {
    return (await sql`select 1 from pg_database where datname = ${name}`).length > 0
  } finally {
    await sql.end()
  }
}

describe("the CLI's services and failures", () => {
  it("connects to the database only for commands that use it: help, config and a dry run create none", async () => {
    temp = await makeTempDir()
    // A name that is free: the database is created and dropped again (drop() is idempotent afterwards).
    database = await createTestDatabase()
    await database.drop()
    const env = { DB_DATABASE_NAME: database.name, IMMICH_MEDIA_LOCATION: path.join(temp.path, "media") }
    for (const args of [["backups"], ["config"], ["cleanup", temp.path, "--dry-run"]]) {
      const result = await runScript(CLI_MAIN, args, env)
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(0)
      expect(await databaseExists(database.name), args.join(" ")).toBe(false)
    }
    // A command that uses it creates it, as the server would: what the checks above would have caught.
    const list = await runScript(CLI_MAIN, ["backups", "list"], env)
    expect(list.stdout, list.stderr).toContain("No backups yet.")
    expect(await databaseExists(database.name)).toBe(true)
  })

  it("prints a failure as its message alone on stderr, and exits 1", async () => {
    database = await createTestDatabase()
    const result = await runScript(CLI_MAIN, ["migrate", "--to", "local"], { DB_DATABASE_NAME: database.name })
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      "The database has no saved media location: start the server once on the current storage first\n"
    )
    expect(result.stdout).toBe("")
  })
})
