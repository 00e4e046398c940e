/**
 * Issue 14's figures: `npm run bench:sync -- --scale[=N]` (N defaults to 200,000). At 20,000 objects and
 * at N, each 1 KiB in Immich's layout, already synced once (by ours, straight to the server), the no-op
 * re-sync and a re-sync after 1 % of the files were rewritten, by ours, `aws s3 sync` and
 * `rclone sync --fast-list --checksum`, through the test proxy adding 20 ms to every request. Wall time
 * and peak RSS (GNU time) of each, and a projection to 1M and 10M objects through the two sizes. Then the
 * checksum no-op: ours `sync --checksum` and `verify --checksum` beside rclone's fast mode (already `--checksum`).
 */
import { requireTools, startS3Proxy, TOOLS } from "@immich-storage/testkit"
import * as fs from "node:fs/promises"
import { loadavg, tmpdir } from "node:os"
import * as path from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { measureCommand } from "../shared/measure.ts"
import { startS3ServerChild } from "../shared/s3ServerChild.ts"
import { printScaleReport } from "./scaleReport.ts"
import type { Run, SizeResult } from "./scaleReport.ts"
import { rewriteFiles, warmFiles, writeImmichTree } from "./scaleTree.ts"
import { oursCommand, syncTools } from "./tools.ts"
import type { Tool, ToolCommand } from "./tools.ts"

export const SMALL_SCALE = 20_000
export const LATENCY_MS = 20
const BUCKET = "bench-scale"
const PREFIX = "library"
const TOOL_ORDER: ReadonlyArray<Tool> = ["ours", "aws", "rclone"]
const tools = syncTools(BUCKET, ["--fast-list", "--checksum"])
const checksumTools = {
  "ours sync --checksum": oursCommand(BUCKET, "sync", ["--checksum"]),
  "ours verify --checksum": oursCommand(BUCKET, "verify", ["--checksum"])
}

const log = (line: string) => console.error(`[scale ${new Date().toISOString().slice(11, 19)}] ${line}`)
const load = () => loadavg().map((l) => l.toFixed(2)).join(", ")

const measure = async (name: string, { args, command, env }: ToolCommand): Promise<Run> => {
  const m = await measureCommand(command, args, env)
  log(`${name}: ${m.seconds.toFixed(2)} s, ${m.peakRssMiB?.toFixed(0)} MiB`)
  return { seconds: m.seconds, peakRssMiB: m.peakRssMiB ?? Number.NaN }
}
const run = (tool: Tool, endpoint: string, src: string) => measure(tool, tools[tool](endpoint, src, PREFIX))

/** Every tool in turn; before each, `prepare` (the 1 % case rewrites the same files again). */
const eachTool = async (endpoint: string, src: string, prepare: () => Promise<void>) => {
  const runs: Partial<Record<Tool, Run>> = {}
  for (const tool of TOOL_ORDER) {
    await prepare()
    runs[tool] = await run(tool, endpoint, src)
  }
  return runs as Record<Tool, Run>
}

const measureSize = async (work: string, count: number): Promise<SizeResult> => {
  const src = path.join(work, String(count))
  let started = Date.now()
  const keys = writeImmichTree(src, count)
  log(`${count} files written in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  const changed = keys.filter((_, i) => i % 100 === 0)
  const server = await startS3ServerChild(BUCKET)
  try {
    started = Date.now()
    log(`initial upload by ours, straight to the server`)
    const initial = await run("ours", server.endpoint, src)
    const proxy = await startS3Proxy(server.endpoint, { latencyMs: LATENCY_MS })
    try {
      // Every run starts with the files' contents in the page cache (see `warmFiles`).
      const warm = async () => warmFiles(src, keys)
      const noop = await eachTool(proxy.endpoint, src, warm)
      // Nothing changed yet: the checksum no-op (rclone's no-op above is already its --checksum mode).
      const checksumRun = async (name: keyof typeof checksumTools) => {
        await warm()
        return measure(name, checksumTools[name](proxy.endpoint, src, PREFIX))
      }
      const checksum = {
        sync: await checksumRun("ours sync --checksum"),
        verify: await checksumRun("ours verify --checksum")
      }
      // A second at least between an upload and the rewrite, so the file is newer at S3's one-second resolution.
      const oneInHundred = await eachTool(
        proxy.endpoint,
        src,
        () => sleep(1100).then(() => rewriteFiles(src, changed)).then(warm)
      )
      return { count, changed: changed.length, initial, noop, checksum, oneInHundred, load: load() }
    } finally {
      await proxy.stop()
    }
  } finally {
    server.stop()
    await fs.rm(src, { recursive: true, force: true })
  }
}

export const runScale = async (count: number) => {
  requireTools(TOOLS.aws, TOOLS.rclone, TOOLS.time)
  const sizes = count <= SMALL_SCALE ? [count] : [SMALL_SCALE, count]
  const loadBefore = load()
  const work = await fs.mkdtemp(path.join(tmpdir(), "bench-scale-"))
  const results: Array<SizeResult> = []
  try {
    for (const size of sizes) results.push(await measureSize(work, size))
  } finally {
    await fs.rm(work, { recursive: true, force: true })
  }
  printScaleReport(results, { latencyMs: LATENCY_MS, loadBefore, loadAfter: load() })
}
