import { formatTable } from "../shared/measure.ts"
import type { Tool } from "./tools.ts"

export interface Run {
  readonly seconds: number
  readonly peakRssMiB: number
}
export interface SizeResult {
  readonly count: number
  readonly changed: number
  /** Ours' first full sync, straight to the server (no proxy): the setup, shown for its memory. */
  readonly initial: Run
  readonly noop: Record<Tool, Run>
  /** Ours' checksum no-op (rclone's is `noop.rclone`: its fast mode is `--checksum`). */
  readonly checksum: { readonly sync: Run; readonly verify: Run }
  readonly oneInHundred: Record<Tool, Run>
  /** Load average (1, 5, 15 min) when this size's runs ended. */
  readonly load: string
}
interface Context {
  readonly latencyMs: number
  readonly loadBefore: string
  readonly loadAfter: string
}

const TOOLS: ReadonlyArray<Tool> = ["ours", "aws", "rclone"]
const CASES = [["noop", "no-op re-sync"], ["oneInHundred", "1 % changed"]] as const
const PROJECTED = [1_000_000, 10_000_000]

const n = (count: number) => count.toLocaleString("en-US")
const cell = (r: Run) => `${r.seconds.toFixed(2)} s (${r.peakRssMiB.toFixed(0)} MiB)`
const verdict = (met: boolean) => (met ? "met" : "MISSED")

const noopTargets = (runs: Record<Tool, Run>) => {
  const aws = runs.aws.seconds / runs.ours.seconds
  const rclone = runs.rclone.seconds / runs.ours.seconds
  return `aws/ours >= 5x: ${verdict(aws >= 5)}; rclone/ours >= 2x: ${verdict(rclone >= 2)}`
}

const timeTable = (results: ReadonlyArray<SizeResult>) =>
  formatTable(
    ["case", "ours", "aws s3 sync", "rclone --fast-list --checksum", "aws / ours", "rclone / ours", "target"],
    results.flatMap((size) =>
      CASES.map(([key, label]) => {
        const runs = size[key]
        const name = key === "noop" ? label : `${label} (${n(size.changed)} files)`
        return [
          `${name}, ${n(size.count)}`,
          cell(runs.ours),
          cell(runs.aws),
          cell(runs.rclone),
          `${(runs.aws.seconds / runs.ours.seconds).toFixed(2)}x`,
          `${(runs.rclone.seconds / runs.ours.seconds).toFixed(2)}x`,
          key === "noop" ? noopTargets(runs) : ""
        ]
      })
    )
  )

const checksumTable = (results: ReadonlyArray<SizeResult>) =>
  formatTable(
    [
      "checksum no-op",
      "ours sync --checksum",
      "ours verify --checksum",
      "rclone --fast-list --checksum",
      "rclone / ours sync"
    ],
    results.map((size) => [
      n(size.count),
      cell(size.checksum.sync),
      cell(size.checksum.verify),
      cell(size.noop.rclone),
      `${(size.noop.rclone.seconds / size.checksum.sync.seconds).toFixed(2)}x`
    ])
  )

const memoryLines = (results: ReadonlyArray<SizeResult>) => {
  const small = results[0]!
  const big = results.at(-1)!
  return CASES.map(([key, label]) => {
    const [a, b] = [small[key].ours.peakRssMiB, big[key].ours.peakRssMiB]
    const within = Math.abs(b / a - 1) <= 0.1
    return `ours' peak RSS, ${label}: ${a.toFixed(0)} MiB at ${n(small.count)}, ${b.toFixed(0)} MiB at ${
      n(big.count)
    } (ratio ${(b / a).toFixed(2)}); target < 300 MiB at 200,000: ${
      big.count >= 200_000 ? verdict(b < 300) : `not measured (largest run ${n(big.count)}, ${b.toFixed(0)} MiB)`
    }; within 10 % of the ${n(small.count)} figure: ${verdict(within)}`
  })
}

/** A line through the two sizes (or, with one size, through the origin), evaluated at `count`. */
const project = (points: ReadonlyArray<readonly [number, number]>, count: number) => {
  const [x1, y1] = points[0]!
  if (points.length === 1) return (y1 / x1) * count
  const [x2, y2] = points.at(-1)!
  const slope = (y2 - y1) / (x2 - x1)
  return y1 + slope * (count - x1)
}

const projectionTable = (results: ReadonlyArray<SizeResult>) =>
  formatTable(
    ["tool, case", ...PROJECTED.flatMap((c) => [`time at ${n(c)}`, `peak RSS at ${n(c)}`])],
    CASES.flatMap(([key, label]) =>
      TOOLS.map((tool) => {
        const at = (pick: (r: Run) => number) => results.map((s) => [s.count, pick(s[key][tool])] as const)
        return [
          `${tool}, ${label}`,
          ...PROJECTED.flatMap((c) => [
            `${project(at((r) => r.seconds), c).toFixed(0)} s`,
            `${project(at((r) => r.peakRssMiB), c).toFixed(0)} MiB`
          ])
        ]
      })
    )
  )

export const printScaleReport = (results: ReadonlyArray<SizeResult>, context: Context) => {
  const sizes = results.map((s) => n(s.count)).join(" and ")
  console.log(
    `\nSync at scale: ${sizes} objects of 1 KiB in Immich's layout, already synced once, contents in the page cache before each run; every tool through the test proxy adding ${context.latencyMs} ms per request; one run each; wall seconds (peak RSS)`
  )
  console.log(
    `load average (1, 5, 15 min): before ${context.loadBefore}; ${
      results.map((s) => `after ${n(s.count)}: ${s.load}`).join("; ")
    }\n`
  )
  console.log(timeTable(results))
  console.log(`\n${checksumTable(results)}`)
  console.log(
    `\nSetup, ours' first full sync straight to the server (no proxy): ${
      results.map((s) => `${n(s.count)}: ${cell(s.initial)}`).join("; ")
    }`
  )
  for (const line of memoryLines(results)) console.log(line)
  console.log(
    `\nProjection: ${
      results.length > 1
        ? `a line through the ${sizes} figures of each tool (value = a + b × objects)`
        : `proportional to the ${sizes} figure (one size measured: an upper bound for time, start-up included)`
    }\n`
  )
  console.log(projectionTable(results))
  console.log(
    "\nTargets: no-op >= 5x faster than aws and >= 2x faster than rclone's fast mode; ours' peak RSS < 300 MiB at 200,000 and within 10 % of the 20,000 figure."
  )
}
