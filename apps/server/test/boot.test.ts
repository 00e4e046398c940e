import { ListObjectsV2Command } from "@aws-sdk/client-s3"
import { PutObjectCommand } from "@aws-sdk/client-s3"
import {
  connectTo,
  createTestBucket,
  createTestDatabase,
  dropDatabaseIfExists,
  makeTempDir,
  rawS3Client,
  runScript,
  s3TestEnv,
  SERVER_MAIN,
  startServer,
  startTcpForwarder,
  TEST_POSTGRES,
  unusedDatabaseName
} from "@immich-storage/testkit"
import * as fs from "node:fs/promises"
import * as net from "node:net"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { inject } from "vitest"
import { processTestState } from "./processState.ts"

const FOLDERS = ["backups", "encoded-video", "library", "profile", "thumbs", "upload"]
const t = processTestState()

/** Each boot test gets a database of its own. */
const dbEnv = async () => {
  t.database ??= await createTestDatabase()
  return { DB_DATABASE_NAME: t.database.name }
}

/** A media folder and database that one server start has initialised (markers, flags, saved location). */
const startedOnceLocally = async () => {
  t.temp = await makeTempDir()
  const media = path.join(t.temp.path, "media")
  const db = await dbEnv()
  const first = await startServer({ IMMICH_MEDIA_LOCATION: media, ...db })
  await first.stop()
  return { db, media }
}

const s3Env = (bucket: string) => ({
  IMMICH_STORAGE_ENGINE: "s3",
  ...s3TestEnv(inject("s3Endpoint"), bucket, "immich")
})

describe("server boot", () => {
  it("boots on local disk: writes the folder markers, answers ping, stops cleanly on SIGTERM", async () => {
    t.temp = await makeTempDir()
    const media = path.join(t.temp.path, "media")
    t.running = await startServer({ IMMICH_MEDIA_LOCATION: media, ...(await dbEnv()) })
    const response = await fetch(`${t.running.url}/api/server/ping`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ res: "pong" })
    for (const folder of FOLDERS)
      expect(await fs.readFile(path.join(media, folder, ".immich"), "utf8")).toMatch(/^\d+$/)
    expect(t.running.output()).toContain(`Media location ${media} passed its integrity check`)
    const code = await t.running.stop()
    t.running = undefined
    expect(code).toBe(0)
  })

  it("boots on S3: markers land under s3://<bucket>/<prefix>/, ping answers", async () => {
    const bucket = await createTestBucket(inject("s3Endpoint"))
    t.running = await startServer({ ...s3Env(bucket), ...(await dbEnv()) })
    expect(await (await fetch(`${t.running.url}/api/server/ping`)).json()).toEqual({ res: "pong" })
    const client = rawS3Client(inject("s3Endpoint"))
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }))
    client.destroy()
    expect(listed.Contents?.map((o) => o.Key).sort()).toEqual(FOLDERS.map((f) => `immich/${f}/.immich`))
    expect(t.running.output()).toContain(`s3://${bucket}/immich passed its integrity check`)
    expect(t.running.output()).toContain("Read integrity: CRC32 when the server stores one, else the ETag's MD5")
  })

  it("refuses to start on a bad environment, listing every problem and no secret", async () => {
    const result = await runScript(SERVER_MAIN, [], {
      IMMICH_STORAGE_ENGINE: "s3",
      IMMICH_MEDIA_LOCATION: "/data",
      S3_SECRET_ACCESS_KEY: "do-not-print-me",
      IMMICH_PORT: "http",
      DB_PORT: "pg",
      DB_BACKUP_CRON: "nightly"
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("6 problems")
    for (
      const variable of [
        "S3_BUCKET",
        "S3_ACCESS_KEY_ID",
        "IMMICH_MEDIA_LOCATION",
        "IMMICH_PORT",
        "DB_PORT",
        "DB_BACKUP_CRON"
      ]
    ) {
      expect(result.stderr).toContain(variable)
    }
    expect(result.stdout + result.stderr).not.toContain("do-not-print-me")
    expect(result.stdout).not.toContain("Listening")
  })

  it("refuses to start when a folder lost its marker, and says which", async () => {
    const { db, media } = await startedOnceLocally()
    await fs.rm(path.join(media, "thumbs", ".immich"))
    const result = await runScript(SERVER_MAIN, [], { IMMICH_MEDIA_LOCATION: media, IMMICH_PORT: "0", ...db })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`Failed to read "thumbs/.immich"`)
    expect(result.stdout).not.toContain("Listening")
    // IMMICH_IGNORE_MOUNT_CHECK_ERRORS turns the error into a warning.
    t.running = await startServer({ IMMICH_MEDIA_LOCATION: media, IMMICH_IGNORE_MOUNT_CHECK_ERRORS: "true", ...db })
    const output = t.running.output()
    expect(output).toContain(`Failed to read "thumbs/.immich"`)
    // Said once, as what it is: one warning naming the folder and that the errors were ignored; no "passed".
    expect(output.match(/integrity check/g)).toHaveLength(1)
    expect(output).toMatch(
      /WARN.*failed its integrity check in thumbs; starting anyway, because IMMICH_IGNORE_MOUNT_CHECK_ERRORS=true/
    )
    expect(output).not.toContain("passed its integrity check")
    expect(output).not.toContain("turns these errors into warnings")
  })

  it("refuses to start on an S3 bucket that does not exist", async () => {
    const result = await runScript(SERVER_MAIN, [], {
      ...s3Env("no-such-bucket-here"),
      IMMICH_PORT: "0",
      ...(await dbEnv())
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`Bucket "no-such-bucket-here" does not exist`)
  })

  it("after a switch from local disk to S3, rewrites the stored paths at boot and logs it", async () => {
    const { db, media } = await startedOnceLocally()
    const sql = connectTo(t.database!.name)
    await sql`insert into "user" (email, "profileImagePath") values ('a@example.com', ${`${media}/profile/u/face.jpg`}), ('b@example.com', '/elsewhere/x.jpg')`
    // What a sync to the bucket would have copied: the markers (and the files).
    const bucket = await createTestBucket(inject("s3Endpoint"))
    const client = rawS3Client(inject("s3Endpoint"))
    for (const folder of FOLDERS) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `immich/${folder}/.immich`,
          Body: await fs.readFile(path.join(media, folder, ".immich"))
        })
      )
    }
    client.destroy()
    t.running = await startServer({ ...s3Env(bucket), ...db })
    expect(t.running.output()).toContain(
      `Media location changed from ${media} to s3://${bucket}/immich: rewrote 1 paths`
    )
    // The first start also created its admin user (admin@immich.local, no profile image); only these two matter here.
    const rows = await sql<
      Array<{ p: string }>
    >`select "profileImagePath" as p from "user" where email like '_@example.com' order by email`
    await sql.end()
    expect(rows.map((r) => r.p)).toEqual([`s3://${bucket}/immich/profile/u/face.jpg`, "/elsewhere/x.jpg"])
  })

  it("refuses S3 when the bucket was never synced: the checked folders have no markers, and no path changes", async () => {
    const { db, media } = await startedOnceLocally()
    const bucket = await createTestBucket(inject("s3Endpoint"))
    const result = await runScript(SERVER_MAIN, [], { ...s3Env(bucket), IMMICH_PORT: "0", ...db })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`Failed to read "upload/.immich"`)
    const sql = connectTo(t.database!.name)
    const [saved] = await sql<
      Array<{ location: string }>
    >`select value->>'location' as location from system_metadata where key = 'MediaLocation'`
    await sql.end()
    expect(saved?.location).toBe(media)
  })

  it("a port in use stops the boot, naming the port and IMMICH_PORT, before a database or a key is made", async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve))
    const { port } = blocker.address() as net.AddressInfo
    const name = unusedDatabaseName()
    t.temp = await makeTempDir()
    try {
      const media = path.join(t.temp.path, "media")
      const env = { IMMICH_MEDIA_LOCATION: media, IMMICH_PORT: String(port), DB_DATABASE_NAME: name }
      const result = await runScript(SERVER_MAIN, [], env)
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(
        `Cannot listen on 127.0.0.1:${port}: port ${port} is already in use (another Immich?)`
      )
      expect(result.stderr).toContain("set IMMICH_PORT")
      expect(result.stdout + result.stderr).not.toContain("Admin API key")
      const sql = connectTo("postgres")
      const found = await sql`select 1 from pg_database where datname = ${name}`
      await sql.end()
      expect(found.length).toBe(0)
    } finally {
      blocker.close()
      await dropDatabaseIfExists(name)
    }
  })

  it("IMMICH_HOST: malformed is a configuration problem; a foreign address is named at listen", async () => {
    const malformed = await runScript(SERVER_MAIN, [], { IMMICH_HOST: "http://0.0.0.0", IMMICH_PORT: "http" })
    expect(malformed.code).toBe(1)
    expect(malformed.stderr).toContain("2 problems")
    expect(malformed.stderr).toContain(`IMMICH_HOST "http://0.0.0.0" is a URL; give only the address`)
    const foreign = await runScript(SERVER_MAIN, [], { IMMICH_HOST: "192.0.2.1", IMMICH_PORT: "0", ...(await dbEnv()) })
    expect(foreign.code).toBe(1)
    expect(foreign.stderr).toContain("Cannot listen on 192.0.2.1:0: 192.0.2.1 is not an address of this machine;")
    expect(foreign.stderr).toContain("set IMMICH_HOST")
    expect(foreign.stdout).not.toContain("Admin API key")
  })

  it("answers 503 with Retry-After while it boots (here: waiting for a PostgreSQL that does not answer)", async () => {
    const forwarder = await startTcpForwarder(TEST_POSTGRES)
    forwarder.stall()
    const probe = net.createServer()
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve))
    const { port } = probe.address() as net.AddressInfo
    await new Promise((resolve) => probe.close(resolve))
    t.temp = await makeTempDir()
    try {
      const media = path.join(t.temp.path, "media")
      const env = { IMMICH_MEDIA_LOCATION: media, IMMICH_PORT: String(port), DB_PORT: String(forwarder.port) }
      const exited = runScript(SERVER_MAIN, [], { ...env, ...(await dbEnv()) })
      let answer: Response | undefined
      for (let i = 0; i < 100 && answer === undefined; i++) {
        answer = await fetch(`http://127.0.0.1:${port}/api/server/ping`).catch(() => undefined)
        if (answer === undefined) await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(answer?.status).toBe(503)
      expect(answer?.headers.get("retry-after")).toBe("30")
      expect(await answer?.json()).toMatchObject({ message: "The server is starting; try again in a moment" })
      const result = await exited
      expect(result.code).toBe(1)
      expect(result.stderr).toContain("Cannot reach PostgreSQL")
    } finally {
      await forwarder.stop()
    }
  })
})
