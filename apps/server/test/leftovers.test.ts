import { PutObjectCommand } from "@aws-sdk/client-s3"
import { createTestDatabase, rawS3Client } from "@immich-storage/testkit"
import type { TestDatabase } from "@immich-storage/testkit"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { inject } from "vitest"
import { ADMIN_KEY, eventually, localStorage, s3Storage, slowUpload, startServerOn } from "./helpers.ts"
import type { ServerUnderTest, StorageUnderTest } from "./helpers.ts"

let storage: StorageUnderTest | undefined
let sut: ServerUnderTest | undefined
let database: TestDatabase | undefined

afterEach(async () => {
  await sut?.stop()
  sut = undefined
  await database?.drop()
  database = undefined
  await storage?.cleanUp()
  storage = undefined
})

/** Files a user may keep in the library that look like leftovers: never removed. */
const LOOKALIKES = ["upload/u/.immich-storage-notes.tmp", "upload/u/photo.tmp", "backups/manual.sql.gz.tmp"]

const addLookalikes = async (storage: StorageUnderTest) => {
  if (storage.engine === "local") {
    for (const key of LOOKALIKES) {
      await fs.mkdir(path.dirname(path.join(storage.base, key)), { recursive: true })
      await fs.writeFile(path.join(storage.base, key), "mine")
    }
    return
  }
  const client = rawS3Client(inject("s3Endpoint"))
  const [bucket, prefix] = storage.base.slice("s3://".length).split("/") as [string, string]
  for (const key of LOOKALIKES) {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/${key}`, Body: "mine" }))
  }
  client.destroy()
}

const REPORT = /(No crash leftovers|Removed \d+ crash leftovers?)[^\n]*/

/** Waits for the background clean-up's report in the server's log. */
const cleanupReport = (sut: ServerUnderTest) => eventually(async () => REPORT.exec(sut.server.output())?.[0], 30_000)

describe("crash leftovers at boot", () => {
  for (const engine of ["local", "s3"] as const) {
    it(`after kill -9 mid-upload (${engine}), a restart keeps the leftover while young, then removes it`, async () => {
      storage = engine === "local" ? await localStorage() : await s3Storage(inject("s3Endpoint"))
      database = await createTestDatabase()
      sut = await startServerOn(storage, {}, database)
      // After the first start: the integrity check refuses folders that hold files but no marker.
      await addLookalikes(storage)
      const slow = slowUpload(sut.server.url, ADMIN_KEY)
      await eventually(async () => ((await storage!.incompleteWrites()) > 0 ? true : undefined))
      const killed = new Promise((resolve) => sut!.server.process.once("exit", resolve))
      sut.server.process.kill("SIGKILL")
      await killed
      slow.request.destroy()
      await sut.stop()
      // The crash left its write behind: a temp file on disk, an open multipart upload on S3.
      expect(await storage.incompleteWrites()).toBe(1)

      // Younger than the default day: kept.
      sut = await startServerOn(storage, {}, database)
      expect(await cleanupReport(sut)).toMatch(/^No crash leftovers older than 1d in .*; kept 1 younger/)
      expect(await storage.incompleteWrites()).toBe(1)
      await sut.stop()

      sut = await startServerOn(storage, { IMMICH_LEFTOVER_MAX_AGE: "0" }, database)
      const report = await cleanupReport(sut)
      expect(report).toMatch(
        engine === "local"
          ? /^Removed 1 crash leftover older than 0s from .*: 1 temp file \(\d+\.\d [KM]iB\)$/
          : /^Removed 1 crash leftover older than 0s from s3:.*: 1 incomplete upload$/
      )
      expect(await storage.incompleteWrites()).toBe(0)
      const keys = await storage.listKeys("")
      for (const key of LOOKALIKES) expect(keys).toContain(key)
    })
  }

  it("refuses an unreadable IMMICH_LEFTOVER_MAX_AGE before anything starts, naming the variable", async () => {
    storage = await localStorage()
    database = await createTestDatabase()
    await expect(startServerOn(storage, { IMMICH_LEFTOVER_MAX_AGE: "a week" }, database)).rejects.toThrow(
      /IMMICH_LEFTOVER_MAX_AGE.*"a week" is not an age; use a number of hours or a duration such as 24h/
    )
  })
})
