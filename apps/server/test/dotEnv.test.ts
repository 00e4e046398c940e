import { createTestDatabase, makeTempDir, runScript, SERVER_MAIN, startServer } from "@immich-storage/testkit"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { processTestState } from "./processState.ts"

const t = processTestState()

describe("the server reads .env from the working directory", () => {
  it("starts with the settings of .env, the real environment winning", async () => {
    t.temp = await makeTempDir()
    t.database = await createTestDatabase()
    await fs.writeFile(
      path.join(t.temp.path, ".env"),
      [
        "IMMICH_MEDIA_LOCATION=./media",
        `DB_DATABASE_NAME=${t.database.name}`,
        "IMMICH_PORT=1" // the environment's IMMICH_PORT=0 wins; port 1 would not start
      ].join("\n")
    )
    t.running = await startServer({}, 30_000, { cwd: t.temp.path })
    expect(t.running.output()).toContain(`Media location ${path.join(t.temp.path, "media")} passed its integrity check`)
    expect(await fs.readFile(path.join(t.temp.path, "media", "upload", ".immich"), "utf8")).toMatch(/^\d+$/)
  })

  it("refuses to start on a malformed .env, naming the line", async () => {
    t.temp = await makeTempDir()
    await fs.writeFile(path.join(t.temp.path, ".env"), "IMMICH_PORT=0\nDB_PASSWORD=\"open quote\n")
    const result = await runScript(SERVER_MAIN, [], { IMMICH_PORT: "0" }, { cwd: t.temp.path })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("immich-storage server cannot start")
    expect(result.stderr).toContain("line 2: opens a value with \" that is never closed")
    expect(result.stdout).not.toContain("Listening")
  })
})
