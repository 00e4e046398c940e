import { formatSize } from "../text/formatSize.ts"
import type { LeftoverReport } from "./cleanLeftovers.ts"
import type { LeftoverKind } from "./leftoverRules.ts"
import { formatDuration } from "./leftoverRules.ts"

const NOUNS: Record<LeftoverKind, readonly [string, string]> = {
  "temp-file": ["temp file", "temp files"],
  "multipart-upload": ["incomplete upload", "incomplete uploads"],
  "backup-temp": ["unfinished database dump", "unfinished database dumps"]
}

const KIND_ORDER: ReadonlyArray<LeftoverKind> = ["temp-file", "multipart-upload", "backup-temp"]

/** Counts and bytes of a report, per kind: what the server logs and the CLI prints last. */
export const summarizeLeftovers = (report: LeftoverReport) => {
  const byKind = new Map<LeftoverKind, { count: number; bytes: number; unknownSize: number }>()
  for (const item of report.removed) {
    const entry = byKind.get(item.kind) ?? { count: 0, bytes: 0, unknownSize: 0 }
    entry.count++
    if (item.size === undefined) entry.unknownSize++
    else entry.bytes += item.size
    byKind.set(item.kind, entry)
  }
  return { count: report.removed.length, bytes: [...byKind.values()].reduce((sum, e) => sum + e.bytes, 0), byKind }
}

/** One line: what went (or would go), how much, and what was kept or could not be removed. */
export const describeLeftovers = (report: LeftoverReport): string => {
  const { byKind, count } = summarizeLeftovers(report)
  const age = `older than ${formatDuration(report.maxAgeMs)}`
  const parts = [...byKind].sort(([a], [b]) => KIND_ORDER.indexOf(a) - KIND_ORDER.indexOf(b)).map(([kind, e]) =>
    `${e.count} ${NOUNS[kind][e.count === 1 ? 0 : 1]}${e.unknownSize === e.count ? "" : ` (${formatSize(e.bytes)})`}`
  )
  const head = count === 0
    ? `No crash leftovers ${age} in ${report.location}`
    : `${report.dryRun ? "Would remove" : "Removed"} ${count} crash leftover${count === 1 ? "" : "s"} ${age} ` +
      `from ${report.location}: ${parts.join(", ")}`
  const kept = report.kept === 0 ? "" : `; kept ${report.kept} younger (perhaps writes in progress)`
  const failed = report.failed.length === 0
    ? ""
    : `; ${report.failed.length} could not be removed (tried again next time)`
  return `${head}${kept}${failed}`
}
