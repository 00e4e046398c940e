/**
 * `immich-storage sync` beside `aws s3 sync` and `rclone sync` (Debian's, with their defaults), same local
 * S3 server, same data, one run: (a) 5,000 files × 50 KiB, (b) 8 files × 128 MiB, (c) a re-sync of (a)
 * with nothing changed. Each tool writes its own prefix. The S3 server's CPU time per case is printed,
 * to show when the server is the bottleneck.
 * Usage: npm run bench:sync [-- <small files> <large files>]   (default: 5000 8)
 */
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3"
import { spawn } from "node:child_process"
import { once } from "node:events"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs/promises"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { BENCH_ROOT, formatTable, measureCommand } from "../shared/measure.ts"

const smallCount = Number(process.argv[2] ?? 5000)
const largeCount = Number(process.argv[3] ?? 8)
const REPO = path.resolve(BENCH_ROOT, "..")

const work = await fs.mkdtemp(path.join(tmpdir(), "bench-sync-"))
const small = path.join(work, "small")
const large = path.join(work, "large")
const past = new Date(Date.now() - 3_600_000)
for (let i = 0; i < smallCount; i++) {
  const file = path.join(small, `upload/user/${String(i % 100).padStart(2, "0")}/${i}.jpg`)
  await fs.mkdir(path.dirname(file), { recursive: true })
  await fs.writeFile(file, randomBytes(50 * 1024))
  await fs.utimes(file, past, past)
}
await fs.mkdir(path.join(large, "encoded-video"), { recursive: true })
for (let i = 0; i < largeCount; i++) {
  const file = path.join(large, `encoded-video/${i}.mp4`)
  const handle = await fs.open(file, "w")
  for (let m = 0; m < 128; m++) await handle.write(randomBytes(1024 * 1024))
  await handle.close()
  await fs.utimes(file, past, past)
}

const server = spawn(process.execPath, [path.join(BENCH_ROOT, "shared/s3ServerProcess.ts")], { stdio: ["ignore", "pipe", "inherit"] })
const [line] = await once(server.stdout, "data") as [Buffer]
const endpoint = (JSON.parse(line.toString()) as { endpoint: string }).endpoint
const bucket = "bench-sync"
const client = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "bench", secretAccessKey: "bench" } })
await client.send(new CreateBucketCommand({ Bucket: bucket }))
client.destroy()

/** The server's CPU seconds so far, from /proc. */
const serverCpu = async () => {
  const stat = (await fs.readFile(`/proc/${server.pid}/stat`, "utf8")).split(") ")[1]!.split(" ")
  return (Number(stat[11]) + Number(stat[12])) / 100
}

const { AWS_CA_BUNDLE: _ca, ...envWithoutCaBundle } = process.env
const tools = {
  ours: (src: string, prefix: string) => ({
    command: process.execPath,
    args: [path.join(REPO, "apps/cli/src/main.js"), "sync", src, `s3://${bucket}/${prefix}`],
    env: { ...process.env, S3_ENDPOINT: endpoint, S3_FORCE_PATH_STYLE: "true", S3_ACCESS_KEY_ID: "bench", S3_SECRET_ACCESS_KEY: "bench" }
  }),
  aws: (src: string, prefix: string) => ({
    command: "/usr/bin/aws",
    args: ["--endpoint-url", endpoint, "s3", "sync", "--only-show-errors", src, `s3://${bucket}/${prefix}/`],
    env: { ...process.env, AWS_ACCESS_KEY_ID: "bench", AWS_SECRET_ACCESS_KEY: "bench", AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "" }
  }),
  // Debian's rclone 1.60 fails on these machines while AWS_CA_BUNDLE is set.
  rclone: (src: string, prefix: string) => ({
    command: "rclone",
    args: ["sync", src, `bench:${bucket}/${prefix}`],
    env: {
      ...envWithoutCaBundle,
      RCLONE_CONFIG_BENCH_TYPE: "s3",
      RCLONE_CONFIG_BENCH_PROVIDER: "Other",
      RCLONE_CONFIG_BENCH_ENDPOINT: endpoint,
      RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: "bench",
      RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: "bench",
      RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: "true",
      // rclone sends files below 200 MiB in one PUT; this server takes at most ~11 MiB per request. Same
      // 8 MiB threshold and part size as ours and aws's.
      RCLONE_CONFIG_BENCH_UPLOAD_CUTOFF: "8M",
      RCLONE_CONFIG_BENCH_CHUNK_SIZE: "8M"
    }
  })
} as const
type Tool = keyof typeof tools

type Outcome = { readonly seconds: number; readonly serverCpu: number } | { readonly failed: string }
const results: Record<string, Record<Tool, Outcome>> = {}
const failures: Array<string> = []
/** A peer that fails against this server is reported as failed (with its error below the table), not hidden. */
const measure = async (label: string, tool: Tool, src: string, prefix: string) => {
  const { args, command, env } = tools[tool](src, prefix)
  const cpuBefore = await serverCpu()
  const outcome: Outcome = await measureCommand(command, args, env).then(
    (m) => serverCpu().then((after) => ({ seconds: m.seconds, serverCpu: after - cpuBefore })),
    (error: Error) => {
      failures.push(`${label}, ${tool}: ${error.message.split("\n").filter((l) => /ERROR|Failed|error/i.test(l)).slice(-1)[0] ?? error.message.slice(0, 300)}`)
      return { failed: "failed" }
    }
  )
  ;(results[label] ??= {} as never)[tool] = outcome
}

try {
  const order: ReadonlyArray<Tool> = ["ours", "aws", "rclone"]
  for (const tool of order) await measure(`(a) ${smallCount} files × 50 KiB`, tool, small, `${tool}-small`)
  for (const tool of order) await measure(`(b) ${largeCount} files × 128 MiB`, tool, large, `${tool}-large`)
  for (const tool of order) await measure(`(c) re-sync of (a), nothing changed`, tool, small, `${tool}-small`)
} finally {
  server.kill("SIGTERM")
  await fs.rm(work, { recursive: true, force: true })
}

console.log(`\nSync benchmark: same local S3 server (fauxqs, in memory), each tool into its own prefix; seconds (server CPU seconds)\n`)
const cell = (r: Outcome) => ("failed" in r ? "failed" : `${r.seconds.toFixed(2)} s (${r.serverCpu.toFixed(1)})`)
const ratio = (peer: Outcome, ours: Outcome) => ("failed" in peer || "failed" in ours ? "-" : `${(peer.seconds / ours.seconds).toFixed(2)}x`)
console.log(formatTable(
  ["case", "ours", "aws s3 sync", "rclone sync", "aws / ours", "rclone / ours"],
  Object.entries(results).map(([label, r]) => [
    label,
    cell(r.ours),
    cell(r.aws),
    cell(r.rclone),
    ratio(r.aws, r.ours),
    ratio(r.rclone, r.ours)
  ])
))
for (const failure of failures) console.log(`failed: ${failure}`)
console.log("\nTargets: >= 3x faster than aws on (a) and (c), at least as fast on (b); ahead of rclone on all three.")
