import {
  CLI_MAIN,
  createTestBucket,
  createTestDatabase,
  makeTempDir,
  runScript,
  s3TestEnv,
  startServer,
  TEST_POSTGRES
} from "@immich-storage/testkit"
import type { RunningServer, TempDir, TestDatabase } from "@immich-storage/testkit"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import postgres from "postgres"
import { afterEach, describe, expect, inject, it } from "vitest"

let server: RunningServer | undefined
let temp: TempDir | undefined
let database: TestDatabase | undefined
afterEach(async () => {
  await server?.stop()
  server = undefined
  await temp?.remove()
  await database?.drop()
  temp = undefined
  database = undefined
})

describe("immich-storage migrate", () => {
  it("moves a running install to S3 and back: bulk copy, stop, final copy, verify, path switch", async () => {
    temp = await makeTempDir()
    database = await createTestDatabase()
    const media = path.join(temp.path, "media")
    const db = { DB_DATABASE_NAME: database.name }
    const s3 = s3TestEnv(inject("s3Endpoint"), await createTestBucket(inject("s3Endpoint")), "immich")
    const sql = postgres({ ...TEST_POSTGRES, database: database.name, max: 1, onnotice: () => undefined })
    try {
      server = await startServer({ IMMICH_MEDIA_LOCATION: media, ...db })
      await fs.mkdir(path.join(media, "profile/u"), { recursive: true })
      await fs.writeFile(path.join(media, "profile/u/face.jpg"), "face")
      await sql`insert into "user" (email, "profileImagePath") values ('a@example.com', ${`${media}/profile/u/face.jpg`})`

      const bulk = await runScript(CLI_MAIN, ["migrate", "--to", "s3"], { ...db, ...s3 })
      expect(bulk.code).toBe(0)
      expect(bulk.stdout).toContain("Bulk copy: 7 files copied")
      expect(bulk.stdout).toContain("The server is still running")
      // sync's progress, as it prints it without a terminal: a line per second and one at the end.
      expect(bulk.stderr).toMatch(/^7\/7 files, 0\.0 MiB \/ 0\.0 MiB, [\d.]+ MiB\/s, ETA 0s$/m)
      expect((await sql`select "profileImagePath" as p from "user" where email = 'a@example.com'`)[0]?.p).toBe(
        `${media}/profile/u/face.jpg`
      )

      await server.stop()
      server = undefined
      await fs.writeFile(path.join(media, "profile/u/late.jpg"), "uploaded during the bulk copy")
      const final = await runScript(CLI_MAIN, ["migrate", "--to", "s3"], { ...db, ...s3 })
      expect(final.code).toBe(0)
      // The server is stopped: no second bulk pass, the final copy takes what arrived since.
      expect(final.stdout, final.stdout + final.stderr).not.toContain("Bulk copy")
      expect(final.stdout).toContain("Final copy: 1 files copied, 7 already there.")
      expect(final.stderr).toMatch(/^1\/1 files, /m)
      expect(final.stdout).toContain("Verified: all 8 files")
      expect(final.stdout).toMatch(/user\.profileImagePath\s+1/)
      expect(final.stdout).toContain("IMMICH_STORAGE_ENGINE=s3")
      const bucketBase = `s3://${s3["S3_BUCKET"]}/immich`
      expect((await sql`select "profileImagePath" as p from "user" where email = 'a@example.com'`)[0]?.p).toBe(
        `${bucketBase}/profile/u/face.jpg`
      )

      server = await startServer({ IMMICH_STORAGE_ENGINE: "s3", ...s3, ...db })
      expect(server.output()).toContain(`${bucketBase} passed its integrity check`)
      expect(server.output()).not.toContain("Media location changed")
      await server.stop()
      server = undefined

      const back = path.join(temp.path, "media-again")
      const rollback = await runScript(CLI_MAIN, ["migrate", "--to", "local", "--final"], {
        ...db,
        ...s3,
        IMMICH_MEDIA_LOCATION: back
      })
      expect(rollback.code).toBe(0)
      expect(rollback.stdout).toContain(`IMMICH_MEDIA_LOCATION=${back}`)
      expect(await fs.readFile(path.join(back, "profile/u/late.jpg"), "utf8")).toBe("uploaded during the bulk copy")
      expect((await sql`select "profileImagePath" as p from "user" where email = 'a@example.com'`)[0]?.p).toBe(
        `${back}/profile/u/face.jpg`
      )
      server = await startServer({ IMMICH_MEDIA_LOCATION: back, ...db })
      expect(server.output()).toContain(`${back} passed its integrity check`)
    } finally {
      await sql.end()
    }
  })

  it("says what is missing when the target is not configured", async () => {
    database = await createTestDatabase()
    const result = await runScript(CLI_MAIN, ["migrate", "--to", "s3"], { DB_DATABASE_NAME: database.name })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/no saved media location|S3_BUCKET/)
  })
})
