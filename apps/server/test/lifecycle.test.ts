import { parseBackupName } from "@immich-storage/core"
import { connectTo, createTestDatabase, runScript, startServer } from "@immich-storage/testkit"
import type { TestDatabase } from "@immich-storage/testkit"
import { randomBytes } from "node:crypto"
import { afterEach, describe, expect, it } from "vitest"
import { inject } from "vitest"
import {
  ADMIN_KEY,
  bytesOf,
  createUser,
  eventually,
  get,
  localStorage,
  orphans,
  s3Storage,
  SERVER_MAIN,
  slowUpload,
  startServerOn,
  upload
} from "./helpers.ts"
import type { ServerUnderTest, StorageUnderTest } from "./helpers.ts"

const MiB = 1024 * 1024
let storage: StorageUnderTest | undefined
let sut: ServerUnderTest | undefined
let database: TestDatabase | undefined

afterEach(async () => {
  await sut?.stop()
  await sut?.database.drop()
  sut = undefined
  await database?.drop()
  database = undefined
  await storage?.cleanUp()
  storage = undefined
})

describe("server lifecycle", () => {
  for (const engine of ["local", "s3"] as const) {
    it(`on SIGTERM (${engine}) interrupts an upload in progress, which leaves no object, temp file or row, and exits 0`, async () => {
      storage = engine === "local" ? await localStorage() : await s3Storage(inject("s3Endpoint"))
      sut = await startServerOn(storage)
      const done = await upload(sut.server.url, ADMIN_KEY, "kept.jpg", randomBytes(1000))
      const slow = slowUpload(sut.server.url, ADMIN_KEY)
      await eventually(async () => ((await sut!.incompleteWrites()) > 0 ? true : undefined))
      // A download in flight at the same moment still completes.
      const download = get(`${sut.server.url}/api/assets/${done.body.id}/original`, ADMIN_KEY)
      const code = await sut.server.stop()
      expect(code).toBe(0)
      const answer = await slow.answer
      if (answer !== "reset") expect(answer.status).toBe(503)
      slow.request.destroy()
      expect((await download).status).toBe(200)
      expect(await sut.incompleteWrites()).toBe(0)
      expect(await sut.sql`select "originalFileName" from "asset"`).toEqual([{ originalFileName: "kept.jpg" }])
      expect(await orphans(sut)).toEqual([])
      expect(sut.server.output()).toContain("interrupting 1 upload(s)")
      await sut.sql.end()
      await sut.database.drop()
      sut = undefined
    })
  }

  it("prints a first admin key once on a fresh database, and never again", async () => {
    storage = await localStorage()
    database = await createTestDatabase()
    const env = { ...storage.env, DB_DATABASE_NAME: database.name, DB_BACKUP_ENABLED: "false" }
    const first = await startServer(env)
    const key = /Admin API key: (\S+)/.exec(first.output())?.[1]
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(await (await get(`${first.url}/api/users/me`, key)).json()).toMatchObject({
      email: "admin@immich.local",
      isAdmin: true
    })
    expect(await first.stop()).toBe(0)
    const second = await startServer(env)
    expect(second.output()).not.toContain("Admin API key")
    expect((await get(`${second.url}/api/api-keys/me`, key)).status).toBe(200)
    // Ctrl-C stops it as cleanly as SIGTERM.
    const exited = new Promise<number | null>((resolve) => second.process.on("exit", (code) => resolve(code)))
    second.process.kill("SIGINT")
    expect(await exited).toBe(0)
    // Only the digest is stored.
    const sql = connectTo(database.name)
    const stored = await sql<Array<{ key: Buffer }>>`select "key" from "api_key"`
    await sql.end()
    expect(stored.length).toBe(1)
    expect(stored[0]!.key.toString("utf8")).not.toContain(key!)
    expect(stored[0]!.key.length).toBe(32)
  })

  it("IMMICH_ADMIN_API_KEY makes an admin hold that key; a key of a non-admin is refused at boot; a short one is a config problem", async () => {
    storage = await localStorage()
    sut = await startServerOn(storage)
    expect(sut.server.output()).not.toContain("Admin API key:")
    expect(sut.server.output()).toContain("The admin user now holds IMMICH_ADMIN_API_KEY")
    const user = await createUser(sut.sql, "plain@example.com")
    await sut.server.stop()
    const refused = await runScript(SERVER_MAIN, [], {
      ...sut.env,
      IMMICH_PORT: "0",
      IMMICH_ADMIN_API_KEY: `${user.key}`
    })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain("IMMICH_ADMIN_API_KEY is the API key of a user who is not an admin")
    expect(refused.stdout + refused.stderr).not.toContain(user.key)
    const short = await runScript(SERVER_MAIN, [], {
      ...sut.env,
      IMMICH_PORT: "0",
      IMMICH_ADMIN_API_KEY: "short-secret",
      IMMICH_S3_PRESIGNED_DOWNLOADS: "true"
    })
    expect(short.code).toBe(1)
    expect(short.stderr).toContain("2 problems")
    expect(short.stderr).toContain("IMMICH_ADMIN_API_KEY must be 24 to 512")
    expect(short.stderr).toContain("IMMICH_S3_PRESIGNED_DOWNLOADS only works with IMMICH_STORAGE_ENGINE=s3")
    expect(short.stderr).not.toContain("short-secret")
  })

  it("lists, creates and deletes database backups over HTTP, for admins only", async () => {
    storage = await s3Storage(inject("s3Endpoint"))
    // A zone off UTC, so that the name's wall-clock time and the list's `timezone` are seen to agree.
    sut = await startServerOn(storage, { TZ: "Asia/Tokyo" })
    const url = sut.server.url
    const user = await createUser(sut.sql, "user@example.com")
    const list = async (key: string) => get(`${url}/api/admin/database-backups`, key)
    expect(await (await list(ADMIN_KEY)).json()).toEqual({ backups: [] })
    const job = (key: string, name = "backup-database") =>
      fetch(`${url}/api/jobs`, {
        method: "POST",
        headers: { "x-api-key": key, "content-type": "application/json" },
        body: JSON.stringify({ name })
      })
    expect((await job(user.key)).status).toBe(403)
    expect((await job(ADMIN_KEY, "thumbnail-generation")).status).toBe(400)
    const before = Math.floor(Date.now() / 1000) * 1000
    expect((await job(ADMIN_KEY)).status).toBe(204)
    const after = Date.now()
    type Listed = { backups: Array<{ filename: string; filesize: number; timezone: string }> }
    const { backups } = await (await list(ADMIN_KEY)).json() as Listed
    expect(backups.length).toBe(1)
    // Immich's DatabaseBackupDto: the name carries Immich's version and the server's local time, in `timezone`.
    expect(backups[0]).toEqual({
      filename: expect.stringMatching(/^immich-db-backup-\d{8}T\d{6}-v3\.2\.0-pg[\d.]+\.sql\.gz$/),
      filesize: expect.any(Number),
      timezone: "Asia/Tokyo"
    })
    expect(backups[0]!.filesize).toBeGreaterThan(100)
    const takenAt = parseBackupName(backups[0]!.filename, backups[0]!.timezone)!.takenAt!.getTime()
    expect(takenAt).toBeGreaterThanOrEqual(before)
    expect(takenAt).toBeLessThanOrEqual(after)
    expect(await storage.listKeys("backups")).toEqual([`backups/${backups[0]!.filename}`])

    const remove = (key: string, names: Array<string>) =>
      fetch(`${url}/api/admin/database-backups`, {
        method: "DELETE",
        headers: { "x-api-key": key, "content-type": "application/json" },
        body: JSON.stringify({ backups: names })
      })
    expect((await list(user.key)).status).toBe(403)
    expect((await remove(user.key, [backups[0]!.filename])).status).toBe(403)
    expect((await remove(ADMIN_KEY, ["../upload/x.sql.gz"])).status).toBe(400)
    expect((await remove(ADMIN_KEY, ["photo.jpg"])).status).toBe(400)
    expect(await storage.listKeys("backups")).toEqual([`backups/${backups[0]!.filename}`])
    expect((await remove(ADMIN_KEY, [backups[0]!.filename])).status).toBe(200)
    expect(await (await list(ADMIN_KEY)).json()).toEqual({ backups: [] })
  })

  it("with IMMICH_S3_PRESIGNED_DOWNLOADS answers downloads with a short-lived presigned URL that serves the bytes", async () => {
    storage = await s3Storage(inject("s3Endpoint"))
    sut = await startServerOn(storage, { IMMICH_S3_PRESIGNED_DOWNLOADS: "true", IMMICH_S3_PRESIGNED_EXPIRY: "120" })
    const bytes = randomBytes(3 * MiB)
    const { body } = await upload(sut.server.url, ADMIN_KEY, "presigned name.mp4", bytes)
    const original = `${sut.server.url}/api/assets/${body.id}/original`
    const redirect = await get(original, ADMIN_KEY, {}, "manual")
    expect(redirect.status).toBe(302)
    expect(redirect.headers.get("cache-control")).toBe("no-store")
    const location = new URL(redirect.headers.get("location")!)
    expect(location.searchParams.get("X-Amz-Expires")).toBe("120")
    expect(location.searchParams.get("response-content-disposition")).toBe(
      "inline; filename*=UTF-8''presigned%20name.mp4"
    )
    // The URL alone (no API key) downloads the original, whole or in part, from the S3 server.
    const direct = await fetch(location)
    expect(direct.status).toBe(200)
    expect((await bytesOf(direct)).equals(bytes)).toBe(true)
    const partial = await fetch(location, { headers: { range: "bytes=10-19" } })
    expect((await bytesOf(partial)).equals(bytes.subarray(10, 20))).toBe(true)
    // Following the redirect as a client would.
    expect((await bytesOf(await get(original, ADMIN_KEY))).equals(bytes)).toBe(true)
    // Still no redirect for someone without the key.
    expect((await get(original, undefined, {}, "manual")).status).toBe(401)
  })
})
