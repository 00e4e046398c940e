/**
 * `immich-storage sync` beside `aws s3 sync` and `rclone sync` (Debian's, with their defaults), same local
 * S3 server, same data, one run: (a) 5,000 files × 50 KiB, (b) 8 files × 128 MiB, (c) a re-sync of (a)
 * with nothing changed. Every tool gets a fresh server process and runs (a), (c), (b) on it, so each
 * meets the same server state (the in-memory server slows down as it fills). The server's CPU time per
 * case shows when the server is the bottleneck, and a raw SDK upload gives the server's own ceiling on (b).
 * Usage: npm run bench:sync [-- <small files> <large files>]   (default: 5000 8)
 */
import { requireTools, TOOLS } from "@immich-storage/testkit"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs/promises"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { formatTable, measureCase, measureCommand } from "../shared/measure.ts"
import { startS3ServerChild } from "../shared/s3ServerChild.ts"
import type { S3ServerChild } from "../shared/s3ServerChild.ts"
import { syncTools } from "./tools.ts"
import type { Tool } from "./tools.ts"

// `--scale[=N]`: issue 14's figures (bench/sync/scale.ts) instead of cases (a), (b), (c).
const scaleFlag = process.argv.slice(2).find((a) => a.startsWith("--scale"))
if (scaleFlag !== undefined) {
  const { runScale } = await import("./scale.ts")
  await runScale(Number(scaleFlag.split("=")[1] ?? 200_000))
  process.exit(0)
}

const smallCount = Number(process.argv[2] ?? 5000)
const largeCount = Number(process.argv[3] ?? 8)

// The peers and GNU time (CPU and peak RSS), each with its install line when missing.
requireTools(TOOLS.aws, TOOLS.rclone, TOOLS.time)

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

const bucket = "bench-sync"
type Server = S3ServerChild

const tools = syncTools(bucket)

type Outcome = { readonly seconds: number; readonly serverCpu: number; readonly clientCpu: number } | {
  readonly failed: string
}
const results: Record<string, Partial<Record<Tool | "ceiling", Outcome>>> = {}
const failures: Array<string> = []
/** A peer that fails against this server is reported as failed (with its error below the table), not hidden. */
const measure = async (
  server: Server,
  label: string,
  tool: Tool | "ceiling",
  run: () => Promise<{ seconds: number; clientCpu: number }>,
  runs = 1
) => {
  const cpuBefore = await server.cpuSeconds()
  const outcome: Outcome = await run().then(
    (m) => server.cpuSeconds().then((after) => ({ ...m, serverCpu: (after - cpuBefore) / runs })),
    (error: Error) => {
      const reason = error.message.split("\n").filter((l) => /ERROR|Failed|error/i.test(l)).slice(-1)[0] ??
        error.message.slice(0, 300)
      failures.push(`${label}, ${tool}: ${reason}`)
      return { failed: "failed" }
    }
  )
  ;(results[label] ??= {})[tool] = outcome
}
const runTool = (tool: Tool, endpoint: string, src: string, prefix: string) => {
  const { args, command, env } = tools[tool](endpoint, src, prefix)
  return measureCommand(command, args, env).then((m) => ({ seconds: m.seconds, clientCpu: m.cpuSeconds ?? Number.NaN }))
}

const medianOf = async (runs: number, run: () => Promise<{ seconds: number; clientCpu: number }>) => {
  const all: Array<{ seconds: number; clientCpu: number }> = []
  for (let i = 0; i < runs; i++) all.push(await run())
  return all.sort((a, b) => a.seconds - b.seconds)[Math.floor(runs / 2)]!
}

const CASE_A = `(a) ${smallCount} files × 50 KiB`
const CASE_B = `(b) ${largeCount} files × 128 MiB`
const CASE_C = `(c) re-sync of (a), nothing changed (median of 3)`
try {
  for (const tool of ["ours", "aws", "rclone"] as const) {
    const server = await startS3ServerChild(bucket)
    try {
      await measure(server, CASE_A, tool, () => runTool(tool, server.endpoint, small, "small"))
      // A no-op takes well under a second, so start-up jitter shows: the median of three re-syncs, for every tool.
      await measure(server, CASE_C, tool, () => medianOf(3, () => runTool(tool, server.endpoint, small, "small")), 3)
      await measure(server, CASE_B, tool, () => runTool(tool, server.endpoint, large, "large"))
    } finally {
      server.stop()
    }
  }
  // The server's ceiling on (b), after the same history as the tools had.
  const server = await startS3ServerChild(bucket)
  try {
    await runTool("ours", server.endpoint, small, "small")
    await measure(
      server,
      CASE_B,
      "ceiling",
      () =>
        measureCase("sync/ceiling.ts", [server.endpoint, bucket, large]).then((m) => ({
          seconds: m.seconds,
          clientCpu: m.cpuSeconds ?? Number.NaN
        }))
    )
  } finally {
    server.stop()
  }
} finally {
  await fs.rm(work, { recursive: true, force: true })
}

console.log(
  `\nSync benchmark: each tool on a fresh local S3 server (fauxqs, in memory), its own prefix; wall seconds [client CPU s / server CPU s]\n`
)
const cell = (
  r: Outcome | undefined
) => (r === undefined
  ? ""
  : "failed" in r
  ? "failed"
  : `${r.seconds.toFixed(2)} s [${r.clientCpu.toFixed(1)} / ${r.serverCpu.toFixed(1)}]`)
const ratio = (peer: Outcome | undefined, ours: Outcome | undefined) =>
  peer === undefined || ours === undefined || "failed" in peer || "failed" in ours
    ? "-"
    : `${(peer.seconds / ours.seconds).toFixed(2)}x`
console.log(formatTable(
  ["case", "ours", "aws s3 sync", "rclone sync", "aws / ours", "rclone / ours", "server ceiling (raw SDK)"],
  [CASE_A, CASE_B, CASE_C].map((label) => {
    const r = results[label] ?? {}
    return [
      label,
      cell(r.ours),
      cell(r.aws),
      cell(r.rclone),
      ratio(r.aws, r.ours),
      ratio(r.rclone, r.ours),
      cell(r.ceiling)
    ]
  })
))
for (const failure of failures) console.log(`failed: ${failure}`)
console.log("\nTargets: >= 3x faster than aws on (a) and (c), at least as fast on (b); ahead of rclone on all three.")
