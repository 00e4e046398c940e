import * as fs from "node:fs/promises"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { createTestDatabase, makeTempDir, runScript, SERVER_MAIN, startServer } from "@immich-storage/testkit"
import type { RunningServer, TempDir, TestDatabase } from "@immich-storage/testkit"

let running: RunningServer | undefined
let temp: TempDir | undefined
let database: TestDatabase | undefined
afterEach(async () => {
  await running?.stop()
  running = undefined
  await temp?.remove()
  temp = undefined
  await database?.drop()
  database = undefined
})

describe("the server reads .env from the working directory", () => {
  it("starts with the settings of .env, the real environment winning", async () => {
    temp = await makeTempDir()
    database = await createTestDatabase()
    await fs.writeFile(path.join(temp.path, ".env"), [
      "IMMICH_MEDIA_LOCATION=./media",
      `DB_DATABASE_NAME=${database.name}`,
      "IMMICH_PORT=1" // the environment's IMMICH_PORT=0 wins; port 1 would not start
    ].join("\n"))
    running = await startServer({}, 30_000, { cwd: temp.path })
    expect(running.output()).toContain(`Media location ${path.join(temp.path, "media")} passed its integrity check`)
    expect(await fs.readFile(path.join(temp.path, "media", "upload", ".immich"), "utf8")).toMatch(/^\d+$/)
  })

  it("refuses to start on a malformed .env, naming the line", async () => {
    temp = await makeTempDir()
    await fs.writeFile(path.join(temp.path, ".env"), "IMMICH_PORT=0\nDB_PASSWORD=\"open quote\n")
    const result = await runScript(SERVER_MAIN, [], { IMMICH_PORT: "0" }, { cwd: temp.path })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("immich-storage server cannot start")
    expect(result.stderr).toContain("line 2: opens a value with \" that is never closed")
    expect(result.stdout).not.toContain("Listening")
  })
})
