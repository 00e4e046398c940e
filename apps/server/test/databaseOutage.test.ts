import { createTestDatabase, startTcpForwarder, TEST_POSTGRES } from "@immich-storage/testkit"
import type { TcpForwarder } from "@immich-storage/testkit"
import { randomBytes } from "node:crypto"
import { afterEach, describe, expect, it } from "vitest"
import {
  ADMIN_KEY,
  bytesOf,
  eventually,
  get,
  localStorage,
  manualUpload,
  orphans,
  startServerOn,
  upload
} from "./helpers.ts"
import type { ServerUnderTest, StorageUnderTest } from "./helpers.ts"

let storage: StorageUnderTest | undefined
let sut: ServerUnderTest | undefined
let forwarder: TcpForwarder | undefined

afterEach(async () => {
  await forwarder?.up().catch(() => undefined)
  await sut?.stop()
  await sut?.database.drop()
  sut = undefined
  await forwarder?.stop()
  forwarder = undefined
  await storage?.cleanUp()
  storage = undefined
})

const expectUnavailable = async (response: Response) => {
  expect(response.status).toBe(503)
  expect(response.headers.get("retry-after")).toBe("30")
  const message = "The database is unavailable; try again later"
  expect(await response.json()).toEqual({ message, error: "Service Unavailable", statusCode: 503 })
}

describe("PostgreSQL outage", () => {
  it("503 + Retry-After while PostgreSQL is down, nothing left of a cut upload, recovery unrestarted", async () => {
    storage = await localStorage()
    forwarder = await startTcpForwarder(TEST_POSTGRES)
    const database = await createTestDatabase()
    sut = await startServerOn(storage, { DB_HOSTNAME: "127.0.0.1", DB_PORT: String(forwarder.port) }, database)
    const url = sut.server.url
    const kept = randomBytes(5000)
    const { body } = await upload(url, ADMIN_KEY, "kept.jpg", kept)
    // Authenticated before the outage; its row cannot be written during it.
    const held = manualUpload(url, ADMIN_KEY, "held.mp4")
    held.request.write(randomBytes(3 * 1024 * 1024))
    await eventually(async () => ((await storage!.incompleteWrites()) > 0 ? true : undefined))

    await forwarder.down()
    await expectUnavailable(await get(`${url}/api/users/me`, ADMIN_KEY))
    await expectUnavailable(await get(`${url}/api/assets/${body.id}/original`, ADMIN_KEY))
    await expectUnavailable(
      await fetch(`${url}/api/assets/bulk-upload-check`, {
        method: "POST",
        headers: { "x-api-key": ADMIN_KEY, "content-type": "application/json" },
        body: JSON.stringify({ assets: [{ id: "a", checksum: "0".repeat(40) }] })
      })
    )
    const refused = await upload(url, ADMIN_KEY, "during.jpg", randomBytes(100))
    expect(refused.status).toBe(503)
    held.end()
    const cut = await held.answer
    expect(cut === "reset" ? cut : [cut.status, cut.headers["retry-after"]]).toEqual([503, "30"])
    // What does not need the database still answers.
    expect((await fetch(`${url}/api/server/ping`)).status).toBe(200)

    await forwarder.up()
    await eventually(async () => ((await get(`${url}/api/users/me`, ADMIN_KEY)).status === 200 ? true : undefined))
    expect((await bytesOf(await get(`${url}/api/assets/${body.id}/original`, ADMIN_KEY))).equals(kept)).toBe(true)
    expect((await upload(url, ADMIN_KEY, "after.jpg", randomBytes(100))).status).toBe(201)
    const names = await sut.sql<Array<{ n: string }>>`select "originalFileName" as n from "asset" order by n`
    expect(names.map((r) => r.n)).toEqual(["after.jpg", "kept.jpg"])
    expect(await storage.incompleteWrites()).toBe(0)
    expect(await orphans(sut)).toEqual([])
  })
})
