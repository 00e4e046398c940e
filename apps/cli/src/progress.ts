import type { SyncProgress } from "@immich-storage/core"
import * as Effect from "effect/Effect"

export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

/**
 * One progress line. While the listings go on, the totals only grow, so it says how far listing has got
 * (`listed 412000 of ~1000000 objects`, when the total is known roughly) and gives no ETA yet.
 */
export const progressLine = (p: SyncProgress, seconds: number) => {
  const rate = p.bytesDone / Math.max(seconds, 0.001)
  const failed = p.failed > 0 ? `, ${p.failed} failed` : ""
  if (p.listing) {
    const of = p.expected === undefined ? "" : ` of ~${p.expected}`
    return `listed ${p.listed}${of} objects; ${p.filesDone}/${p.filesTotal} files so far, ` +
      `${mib(p.bytesDone)}, ${mib(rate)}/s${failed}`
  }
  const eta = rate > 0 ? Math.round((p.bytesTotal - p.bytesDone) / rate) : 0
  return `${p.filesDone}/${p.filesTotal} files, ${mib(p.bytesDone)} / ${mib(p.bytesTotal)}, ${mib(rate)}/s, ` +
    `ETA ${eta}s${failed}`
}

/** A live bar on a terminal; a plain line per second otherwise (logs, CI). On stderr, so stdout stays the result. */
export const progressPrinter = (started: number) => (p: SyncProgress) =>
  Effect.sync(() => {
    const text = progressLine(p, (Date.now() - started) / 1000)
    if (process.stderr.isTTY) {
      const width = 30
      const filled = p.listing ? 0 : p.bytesTotal === 0 ? width : Math.round((p.bytesDone / p.bytesTotal) * width)
      process.stderr.write(`\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${text}  `)
    } else process.stderr.write(`${text}\n`)
  })

/** Ends the live bar's line on a terminal, so what follows starts on a line of its own. */
export const endProgress = () => {
  if (process.stderr.isTTY) process.stderr.write("\n")
}
