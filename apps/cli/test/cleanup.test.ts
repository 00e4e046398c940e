import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3"
import { isTempFileName, LOCK_IDS } from "@immich-storage/core"
import {
  CLI_MAIN,
  createTestBucket,
  createTestDatabase,
  makeTempDir,
  rawS3Client,
  runScript,
  s3TestEnv,
  spawnScript,
  TEST_POSTGRES
} from "@immich-storage/testkit"
import type { TempDir, TestDatabase } from "@immich-storage/testkit"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import postgres from "postgres"
import { afterEach, describe, expect, inject, it } from "vitest"

const MiB = 1024 * 1024
let temp: TempDir | undefined
let database: TestDatabase | undefined
afterEach(async () => {
  await temp?.remove()
  temp = undefined
  await database?.drop()
  database = undefined
})

const LOOKALIKES = ["upload/u/.immich-storage-notes.tmp", "upload/u/photo.tmp"]

/** A media folder with one large file (sparse: quick to make, real bytes to copy) and a small one. */
const sourceFolder = async (bigSize: number) => {
  temp = await makeTempDir()
  const src = path.join(temp.path, "src")
  await fs.mkdir(path.join(src, "upload/u"), { recursive: true })
  await fs.writeFile(path.join(src, "upload/.immich"), "1700000000000")
  await fs.writeFile(path.join(src, "upload/u/small.jpg"), "jpeg")
  await fs.writeFile(path.join(src, "upload/u/big.mov"), "")
  await fs.truncate(path.join(src, "upload/u/big.mov"), bigSize)
  return src
}

const tempFilesIn = async (dir: string) =>
  (await fs.readdir(dir, { recursive: true }).catch(() => [])).filter((f) => isTempFileName(path.basename(f)))

/** Starts `sync`, waits until `midCopy` sees its write in progress, then kills it with SIGKILL. */
const killSyncMidCopy = async (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  midCopy: () => Promise<boolean>
) => {
  const child = spawnScript(CLI_MAIN, ["sync", ...args, "--concurrency", "1"], env)
  let output = ""
  child.stderr.on("data", (d) => (output += d))
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve))
  let done = false
  void exited.then(() => (done = true))
  const started = Date.now()
  while (!(await midCopy())) {
    if (done) throw new Error(`sync ended before it could be killed mid-copy:\n${output}`)
    if (Date.now() - started > 60_000) throw new Error("sync never started copying")
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  child.kill("SIGKILL")
  await exited
}

describe("immich-storage cleanup", () => {
  it("after sync is killed with -9 mid-copy to a folder: keeps, lists (dry run), removes its temp file", async () => {
    const src = await sourceFolder(256 * MiB)
    const dst = path.join(temp!.path, "dst")
    for (const key of LOOKALIKES) {
      await fs.mkdir(path.dirname(path.join(dst, key)), { recursive: true })
      await fs.writeFile(path.join(dst, key), "mine")
    }
    // Killed once the large file is well under way (a small file's temp file can vanish before the kill lands).
    const bigUnderWay = async () => {
      for (const file of await tempFilesIn(dst)) {
        const size = (await fs.stat(path.join(dst, file)).catch(() => undefined))?.size ?? 0
        if (size > 16 * MiB) return true
      }
      return false
    }
    await killSyncMidCopy([src, dst], {}, bigUnderWay)
    // The large file's temp file, and perhaps a small file's, if it was being written at that very moment.
    const leftovers = (await tempFilesIn(dst)).sort()
    const n = leftovers.length
    expect(n).toBeGreaterThan(0)
    database = await createTestDatabase()
    const env = { DB_DATABASE_NAME: database.name }
    const cleanup = (...args: Array<string>) => runScript(CLI_MAIN, ["cleanup", ...args], env)

    const young = await cleanup(dst, "--older-than", "1h")
    expect(young.code).toBe(0)
    expect(young.stdout).toMatch(new RegExp(`No crash leftovers older than 1h in .*; kept ${n} younger`))

    const dry = await cleanup(dst, "--older-than", "0", "--dry-run", "--json")
    expect(dry.code).toBe(0)
    type Report = { dryRun: boolean; count: number; removed: Array<{ kind: string; key: string }> }
    const report = JSON.parse(dry.stdout) as Report
    expect(report).toMatchObject({ dryRun: true, count: n })
    expect(report.removed.map((r) => `${r.kind} ${r.key}`).sort()).toEqual(leftovers.map((key) => `temp-file ${key}`))
    expect((await tempFilesIn(dst)).sort()).toEqual(leftovers)

    // Without a location argument: the configured media location.
    const done = await runScript(CLI_MAIN, ["cleanup", "--older-than", "0"], { ...env, IMMICH_MEDIA_LOCATION: dst })
    expect(done.code).toBe(0)
    for (const key of leftovers) expect(done.stdout).toContain(`removed  temp file  ${key}`)
    const removed = `Removed ${n} crash leftovers? older than 0s from .*: ${n} temp files? \\(\\d+\\.\\d [KMG]iB\\)\\.`
    expect(done.stdout).toMatch(new RegExp(removed))
    expect(await tempFilesIn(dst)).toEqual([])
    for (const key of LOOKALIKES) expect(await fs.readFile(path.join(dst, key), "utf8")).toBe("mine")
  })

  it("after sync is killed with -9 mid-upload to S3: lists (dry run), keeps, then aborts its open upload", async () => {
    const src = await sourceFolder(128 * MiB)
    const endpoint = inject("s3Endpoint")
    const bucket = await createTestBucket(endpoint)
    const client = rawS3Client(endpoint)
    const openUploads = async () =>
      (await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads?.map((u) => u.Key) ?? []
    const dst = `s3://${bucket}/immich`
    await killSyncMidCopy([src, dst], s3TestEnv(endpoint), async () => (await openUploads()).length > 0)
    expect(await openUploads()).toEqual(["immich/upload/u/big.mov"])
    database = await createTestDatabase()
    const env = { ...s3TestEnv(endpoint), DB_DATABASE_NAME: database.name }
    const cleanup = (...args: Array<string>) => runScript(CLI_MAIN, ["cleanup", ...args], env)

    const dry = await cleanup(dst, "--older-than", "0", "--dry-run")
    expect(dry.code).toBe(0)
    expect(dry.stdout).toMatch(/would remove +upload +upload\/u\/big\.mov +\(\d+\.\d h old\)/)
    expect(await openUploads()).toEqual(["immich/upload/u/big.mov"])
    const young = await cleanup(dst)
    expect(young.stdout).toMatch(/No crash leftovers older than 1d in s3:.*; kept 1 younger/)
    expect(await openUploads()).toEqual(["immich/upload/u/big.mov"])

    const done = await cleanup(dst, "--older-than", "0")
    expect(done.code).toBe(0)
    expect(done.stdout).toMatch(/Removed 1 crash leftover older than 0s from s3:\/\/.*\/immich: 1 incomplete upload\./)
    expect(await openUploads()).toEqual([])
    client.destroy()
  })

  it("refuses while another instance holds the clean-up lock, and a bad --older-than, saying what to do", async () => {
    temp = await makeTempDir()
    database = await createTestDatabase()
    const env = { DB_DATABASE_NAME: database.name }
    const holder = postgres({ ...TEST_POSTGRES, database: database.name, max: 1, onnotice: () => undefined })
    await holder`select pg_advisory_lock(${LOCK_IDS.leftoverCleanup})`
    const held = await runScript(CLI_MAIN, ["cleanup", temp.path], env)
    await holder.end()
    expect(held.code).toBe(1)
    expect(held.stderr).toContain("Another instance is removing crash leftovers right now")
    const bad = await runScript(CLI_MAIN, ["cleanup", temp.path, "--older-than", "soon"], env)
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain(`--older-than "soon" is not an age; use a number of hours or a duration such as 24h`)
  })
})
