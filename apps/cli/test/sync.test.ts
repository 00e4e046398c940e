import {
  CLI_MAIN,
  createTestBucket,
  makeTempDir,
  requireTools,
  runScript,
  s3TestEnv,
  TOOLS
} from "@immich-storage/testkit"
import type { TempDir } from "@immich-storage/testkit"
import { execFile } from "node:child_process"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { promisify } from "node:util"
import { afterEach, describe, expect, inject, it } from "vitest"

const run = promisify(execFile)
/** Debian's awscli (another `aws` may come first on PATH); .ci/run installs it. */
const AWS = TOOLS.aws.command

let temp: TempDir | undefined
afterEach(async () => {
  await temp?.remove()
  temp = undefined
})

const s3Env = () => s3TestEnv(inject("s3Endpoint"))

/** A small media folder, backdated: aws compares whole seconds, so files written this second would look newer. */
const mediaFolder = async () => {
  temp = await makeTempDir()
  const media = path.join(temp.path, "media")
  const files: Record<string, string> = {
    "upload/.immich": "1700000000000",
    "upload/user-1/ab/cd/abcd.jpg": "jpeg bytes",
    "upload/user-1/ab/cd/with space & ünïcödé #1.heic": "heic bytes",
    "thumbs/user-1/ab/cd/abcd_thumbnail.webp": "webp",
    "profile/user-1/face+1.png": "png"
  }
  const past = new Date(Date.now() - 3_600_000)
  for (const [key, body] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(media, key)), { recursive: true })
    await fs.writeFile(path.join(media, key), body)
    await fs.utimes(path.join(media, key), past, past)
  }
  return media
}

const aws = (...args: Array<string>) => {
  requireTools(TOOLS.aws)
  return run(AWS, ["--endpoint-url", inject("s3Endpoint"), ...args], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_PAGER: ""
    }
  })
}

describe("immich-storage sync and verify", () => {
  it("syncs a media folder to S3, then nothing the second time; verify finds and lists differences", async () => {
    const media = await mediaFolder()
    const dst = `s3://${await createTestBucket(inject("s3Endpoint"))}/immich`
    const first = await runScript(CLI_MAIN, ["sync", media, dst], s3Env())
    expect(first.code).toBe(0)
    expect(first.stdout).toContain("Copied 5 files")
    const again = await runScript(CLI_MAIN, ["sync", media, dst, "--json"], s3Env())
    expect(JSON.parse(again.stdout)).toMatchObject({ toCopy: 0, copied: 0, unchanged: 5, failures: [] })
    expect((await runScript(CLI_MAIN, ["verify", media, dst], s3Env())).code).toBe(0)

    await fs.writeFile(path.join(media, "upload/user-1/ab/cd/abcd.jpg"), "edited, longer")
    await fs.rm(path.join(media, "profile/user-1/face+1.png"))
    const differences = await runScript(CLI_MAIN, ["verify", media, dst], s3Env())
    expect(differences.code).toBe(1)
    expect(differences.stderr).toContain("different upload/user-1/ab/cd/abcd.jpg (size differs)")
    expect(differences.stderr).toContain("extra     profile/user-1/face+1.png")

    const dry = await runScript(CLI_MAIN, ["sync", media, dst, "--delete", "--dry-run"], s3Env())
    expect(dry.stdout).toContain("would copy 1 files")
    const fixed = await runScript(CLI_MAIN, ["sync", media, dst, "--delete"], s3Env())
    expect(fixed.stdout).toContain("deleted 1")
    expect((await runScript(CLI_MAIN, ["verify", media, dst, "--checksum"], s3Env())).code).toBe(0)
  })

  it("--list-concurrency: S3 to S3 in parallel or serially gives the same result; 0 is refused", async () => {
    const media = await mediaFolder()
    const src = `s3://${await createTestBucket(inject("s3Endpoint"))}/immich`
    expect((await runScript(CLI_MAIN, ["sync", media, src, "--list-concurrency", "3"], s3Env())).code).toBe(0)
    const dst = `s3://${await createTestBucket(inject("s3Endpoint"))}/copy`
    const first = await runScript(CLI_MAIN, ["sync", src, dst, "--json", "--list-concurrency", "4"], s3Env())
    expect(JSON.parse(first.stdout)).toMatchObject({ copied: 5, failures: [] })
    for (const n of ["1", "2", "16"]) {
      const again = await runScript(CLI_MAIN, ["sync", src, dst, "--json", "--list-concurrency", n], s3Env())
      expect(JSON.parse(again.stdout)).toMatchObject({ toCopy: 0, extra: 0, unchanged: 5 })
      expect((await runScript(CLI_MAIN, ["verify", src, dst, "--list-concurrency", n], s3Env())).code).toBe(0)
    }
    const refused = await runScript(CLI_MAIN, ["sync", src, dst, "--list-concurrency", "0"], s3Env())
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain("--list-concurrency must be at least 1")
  })

  it("refuses a source that does not exist and a malformed location", async () => {
    const missing = await runScript(CLI_MAIN, ["sync", "/nonexistent/media", "/tmp/x"], {})
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain("is not an existing folder")
    const bad = await runScript(CLI_MAIN, ["sync", "s3://", "/tmp/x"], s3Env())
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain("names no bucket")
  })

  it("refuses mistyped locations instead of copying into a folder named after them, and creates nothing", async () => {
    const media = await mediaFolder()
    const cwd = path.join(temp!.path, "cwd")
    await fs.mkdir(cwd)
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["http://example.com/x", "did you mean s3://x with S3_ENDPOINT=http://example.com"],
      ["S3://bucket/immich", "did you mean s3://bucket/immich?"],
      ["s3:/bucket/immich", "did you mean s3://bucket/immich?"],
      ["s3:bucket", "did you mean s3://bucket?"],
      ["s3//bucket/immich", "did you mean s3://bucket/immich?"]
    ]
    for (const [destination, hint] of cases) {
      const refused = await runScript(CLI_MAIN, ["sync", media, destination], {}, { cwd })
      expect(refused.code, `${destination}: ${refused.stdout}`).toBe(1)
      expect(refused.stderr).toContain(hint)
    }
    // The same rule for a dry run, for verify, and for a source.
    const [http, hint] = cases[0]!
    for (const args of [["sync", media, http, "--dry-run"], ["verify", media, http], ["sync", http, media]]) {
      const refused = await runScript(CLI_MAIN, args, {}, { cwd })
      expect(refused.code, `${args.join(" ")}: ${refused.stdout}`).toBe(1)
      expect(refused.stderr).toContain(hint)
    }
    expect(await fs.readdir(cwd)).toEqual([])
  })

  it("--dry-run to a folder that does not exist lists the plan and creates nothing", async () => {
    const media = await mediaFolder()
    const destination = path.join(temp!.path, "not-yet", "media")
    const dry = await runScript(CLI_MAIN, ["sync", media, destination, "--dry-run", "--delete"], {})
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toContain("copy    upload/.immich")
    expect(dry.stdout).toContain("Dry run: would copy 5 files")
    const json = await runScript(CLI_MAIN, ["sync", media, destination, "--dry-run", "--json"], {})
    expect(JSON.parse(json.stdout)).toMatchObject({ dryRun: true, toCopy: 5, copied: 0 })
    await expect(fs.stat(path.join(temp!.path, "not-yet"))).rejects.toMatchObject({ code: "ENOENT" })
    expect((await runScript(CLI_MAIN, ["sync", media, destination], {})).code).toBe(0)
    expect((await runScript(CLI_MAIN, ["verify", media, destination], {})).code).toBe(0)
  })

  it("shares aws s3 sync's layout: each tool sees the other's copy as up to date", async () => {
    const media = await mediaFolder()
    const bucket = await createTestBucket(inject("s3Endpoint"))
    await aws("s3", "sync", media, `s3://${bucket}/by-aws/`)
    const ours = await runScript(CLI_MAIN, ["sync", media, `s3://${bucket}/by-aws`, "--json"], s3Env())
    expect(JSON.parse(ours.stdout)).toMatchObject({ toCopy: 0, unchanged: 5 })

    await runScript(CLI_MAIN, ["sync", media, `s3://${bucket}/by-us`], s3Env())
    const theirs = await aws("s3", "sync", "--dryrun", media, `s3://${bucket}/by-us/`)
    expect(theirs.stdout.trim()).toBe("")
    const listing = await aws("s3", "ls", "--recursive", `s3://${bucket}/by-us/`)
    expect(listing.stdout).toContain("by-us/upload/user-1/ab/cd/with space & ünïcödé #1.heic")
  })

  it("refuses --delete from a source that looks unmounted, and says how to override", async () => {
    const media = await mediaFolder()
    const dst = `s3://${await createTestBucket(inject("s3Endpoint"))}/immich`
    await runScript(CLI_MAIN, ["sync", media, dst], s3Env())
    const unmounted = path.join(temp!.path, "empty-mount-point")
    await fs.mkdir(unmounted)
    const refused = await runScript(CLI_MAIN, ["sync", unmounted, dst, "--delete"], s3Env())
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain("Refusing to sync with --delete: the source holds no files")
    expect(refused.stderr).toContain("--force")
    expect((await runScript(CLI_MAIN, ["verify", media, dst], s3Env())).code).toBe(0)
  })

  it("verify --checksum prints each difference as it finds it, in key order, then the count", async () => {
    const media = await mediaFolder()
    const dst = `s3://${await createTestBucket(inject("s3Endpoint"))}/immich`
    expect((await runScript(CLI_MAIN, ["sync", media, dst], s3Env())).code).toBe(0)
    await fs.rm(path.join(media, "profile/user-1/face+1.png"))
    // Same size, old time: only the content says it changed.
    const thumbnail = path.join(media, "thumbs/user-1/ab/cd/abcd_thumbnail.webp")
    await fs.writeFile(thumbnail, "WEBP")
    await fs.utimes(thumbnail, new Date(0), new Date(0))
    await fs.writeFile(path.join(media, "upload/user-1/new.jpg"), "new")
    const verify = await runScript(CLI_MAIN, ["verify", media, dst, "--checksum"], s3Env())
    expect(verify.code).toBe(1)
    expect(verify.stderr.trim().split("\n")).toEqual([
      "extra     profile/user-1/face+1.png",
      "different thumbs/user-1/ab/cd/abcd_thumbnail.webp (content differs)",
      "missing   upload/user-1/new.jpg",
      `3 differences between ${media} and ${dst}.`
    ])
  })

  it("a dry run of many files prints the same lines as before: one per file to copy, in key order, then the summary", async () => {
    temp = await makeTempDir()
    const media = path.join(temp.path, "media")
    const keys = Array.from({ length: 400 }, (_, i) => `thumbs/u/${(i * 7919) % 1000}/t-${i}.webp`)
    for (const key of keys) {
      await fs.mkdir(path.dirname(path.join(media, key)), { recursive: true })
      await fs.writeFile(path.join(media, key), "x")
    }
    const dry = await runScript(CLI_MAIN, ["sync", media, path.join(temp.path, "copy"), "--dry-run"], {})
    expect(dry.code, dry.stderr).toBe(0)
    const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b))
    expect(dry.stdout.trim().split("\n")).toEqual([
      ...[...keys].sort(byBytes).map((key) => `copy    ${key}  (missing, 1 bytes)`),
      "Dry run: would copy 400 files (0.0 MiB); 0 up to date."
    ])
  })
})
