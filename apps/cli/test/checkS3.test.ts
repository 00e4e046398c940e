import { ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3"
import {
  CLI_MAIN,
  createTestBucket,
  rawS3Client,
  REPO_ROOT,
  RGW_QUIRKS,
  runScript,
  s3TestEnv,
  startS3Proxy
} from "@immich-storage/testkit"
import type { S3Proxy } from "@immich-storage/testkit"
import { spawn } from "node:child_process"
import * as path from "node:path"
import { afterEach, describe, expect, inject, it } from "vitest"

let proxy: S3Proxy | undefined
afterEach(async () => {
  await proxy?.stop()
  proxy = undefined
})

/** A bucket holding one photo of its own, which check-s3 must leave alone. */
const bucketWithPhoto = async () => {
  const bucket = await createTestBucket(inject("s3Endpoint"))
  const client = rawS3Client(inject("s3Endpoint"))
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: "photos/keep.jpg", Body: "keep" }))
  client.destroy()
  return bucket
}

const keysIn = async (bucket: string) => {
  const client = rawS3Client(inject("s3Endpoint"))
  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }))
  client.destroy()
  return (listed.Contents ?? []).map((o) => o.Key)
}

/** name → "level: text" of each finding line printed. */
const findings = (stdout: string) =>
  Object.fromEntries(
    stdout.split("\n").map((line) => /^ {2}(\w+)\s+(.+?)\s{2,}(.*)$/.exec(line))
      .filter((m) => m !== null).map((m) => [m[2], `${m[1]}: ${m[3]}`])
  )

const isMultipartStart = (r: { method: string; url: string }) => r.method === "POST" && /[?&]uploads(=|&|$)/.test(r.url)

describe("immich-storage check-s3", () => {
  it("finds the test server ok: everything works, reads are checked, and the scratch prefix is removed", async () => {
    const bucket = await bucketWithPhoto()
    const result = await runScript(CLI_MAIN, ["check-s3", `s3://${bucket}/photos`], s3TestEnv(inject("s3Endpoint")))
    const seen = findings(result.stdout)
    expect(seen["write and read"]).toBe("ok: bytes read back intact, checked by MD5")
    expect(seen["stored checksums"]).toMatch(/^ok: CRC32 stored/)
    expect(seen["ETag"]).toMatch(/^ok: the body's MD5/)
    // The test server refuses a suffix longer than the object (416), against HTTP; the engine makes up for it.
    expect(seen["suffix ranges"]).toMatch(/^info: a suffix longer than the object is answered 416/)
    expect(seen["416 answers"]).toBe("ok: 416 with Content-Range: bytes */<size>")
    for (const name of ["listing", "multipart upload", "copy", "presigned URLs", "delete"]) {
      expect(seen[name], name).toMatch(/^ok: /)
    }
    expect(seen["latency"]).toMatch(/^info: [\d.]+ ms per request/)
    expect(result.stdout).toContain("Verdict: ok\n")
    expect(result.code).toBe(0)
    expect(await keysIn(bucket)).toEqual(["photos/keep.jpg"])
  })

  it("finds a server acting as Ceph RGW ok with caveats (exit 2): no stored checksums, sizeless 416", async () => {
    // Ceph RGW needs a Ceph cluster (mon, mgr, osd), which these machines cannot run: the proxy answers as it does.
    proxy = await startS3Proxy(inject("s3Endpoint"), { quirks: RGW_QUIRKS })
    const bucket = await bucketWithPhoto()
    // The configured location (no argument), as the server would use it.
    const env = { IMMICH_STORAGE_ENGINE: "s3", ...s3TestEnv(proxy.endpoint, bucket, "photos") }
    const result = await runScript(CLI_MAIN, ["check-s3"], env)
    const seen = findings(result.stdout)
    expect(seen["stored checksums"]).toMatch(/^caveat: none stored/)
    expect(seen["416 answers"]).toBe("info: 416 without the object's size: the engine asks a HEAD for it")
    expect(seen["write and read"]).toBe("ok: bytes read back intact, checked by MD5")
    expect(result.stdout).toContain("Verdict: ok with caveats\n  - stored checksums: none stored")
    expect(result.code).toBe(2)
    expect(await keysIn(bucket)).toEqual(["photos/keep.jpg"])
  })

  it("finds a server without multipart uploads not usable (exit 1), says why, and removes what it wrote", async () => {
    proxy = await startS3Proxy(inject("s3Endpoint"))
    const bucket = await bucketWithPhoto()
    // A server without multipart uploads cannot be made on demand: the proxy refuses CreateMultipartUpload.
    proxy.injectFaults([{ status: 501, code: "NotImplemented" }], isMultipartStart)
    const result = await runScript(CLI_MAIN, ["check-s3", `s3://${bucket}/photos`, "--json"], s3TestEnv(proxy.endpoint))
    const report = JSON.parse(result.stdout) as { verdict: string; findings: Array<Record<string, string>> }
    expect(report.verdict).toBe("not usable")
    expect(report.findings.find((f) => f["name"] === "multipart upload"))
      .toMatchObject({ level: "fail", text: expect.stringContaining("NotImplemented") })
    expect(result.code).toBe(1)
    expect(await keysIn(bucket)).toEqual(["photos/keep.jpg"])
  })

  it("removes its scratch prefix when interrupted (Ctrl-C) mid-check", async () => {
    proxy = await startS3Proxy(inject("s3Endpoint"))
    const bucket = await bucketWithPhoto()
    // Held mid-check: the proxy never answers the server-side copy, so the check is waiting when it is interrupted.
    const isCopy = (r: { method: string; headers: Record<string, unknown> }) =>
      r.method === "PUT" && r.headers["x-amz-copy-source"] !== undefined
    proxy.injectFaults(["stall"], isCopy)
    const child = spawn(process.execPath, [path.join(REPO_ROOT, CLI_MAIN), "check-s3", `s3://${bucket}/photos`], {
      env: { PATH: process.env["PATH"] ?? "", ...s3TestEnv(proxy.endpoint) },
      cwd: REPO_ROOT
    })
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    try {
      while (!proxy.requests.some(isCopy)) await new Promise((r) => setTimeout(r, 20))
      expect((await keysIn(bucket)).length).toBeGreaterThan(1)
      child.kill("SIGINT")
      expect(await exited).toBe(130)
    } finally {
      child.kill("SIGKILL")
    }
    expect(await keysIn(bucket)).toEqual(["photos/keep.jpg"])
  })

  it("refuses a local location, naming what to give instead", async () => {
    const result = await runScript(CLI_MAIN, ["check-s3"], { IMMICH_MEDIA_LOCATION: "/srv/photos" })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("check-s3 checks S3 storage: give s3://bucket/prefix")
  })
})
