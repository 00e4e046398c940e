import { BACKUP_FOLDER, isStaleTempName } from "../backups/backupNames.ts"
import { isTempFileName } from "../engine/tempFileName.ts"

/**
 * What a crash can leave in the media location, and the rule for which of it may go. Nothing else is
 * ever removed: a name that merely looks similar is a user's file.
 * - `temp-file`: the local engine's own `.immich-storage-<uuid>.tmp` (an upload, copy or sync killed mid-write);
 * - `multipart-upload`: an S3 upload that was started and never completed or aborted (never a visible object);
 * - `backup-temp`: Immich's unfinished dump, `backups/immich-db-backup-*.sql.gz.tmp`.
 */
export type LeftoverKind = "temp-file" | "multipart-upload" | "backup-temp"

export interface LeftoverCandidate {
  readonly kind: LeftoverKind
  readonly key: string
  /** Its last write (files) or its start (uploads): a write in progress is always recent. */
  readonly startedAt: Date
  readonly size: number | undefined
  readonly uploadId?: string
}

export const HOUR_MS = 3_600_000
/** A day: far longer than any write in progress takes to show a sign of life (uploads stall out after minutes). */
export const DEFAULT_LEFTOVER_MAX_AGE_MS = 24 * HOUR_MS

const baseName = (key: string) => key.slice(key.lastIndexOf("/") + 1)

/** Whether the name (and kind) proves the item is a write of ours or one that never completed. */
export const isOursByName = (candidate: Pick<LeftoverCandidate, "kind" | "key">): boolean => {
  switch (candidate.kind) {
    case "temp-file":
      return isTempFileName(baseName(candidate.key))
    case "backup-temp":
      return candidate.key === `${BACKUP_FOLDER}/${baseName(candidate.key)}` && isStaleTempName(baseName(candidate.key))
    case "multipart-upload":
      return true
  }
}

/**
 * A leftover: provably ours by name, and older than `maxAgeMs` at `now`. `now` is when the clean-up began
 * (the server's boot), so nothing this process starts afterwards can be taken for one.
 */
export const isLeftover = (candidate: LeftoverCandidate, now: Date, maxAgeMs: number): boolean =>
  isOursByName(candidate) && now.getTime() - candidate.startedAt.getTime() > maxAgeMs

/** Kept for now: ours, but young enough to be a write in progress. */
export const isYoungLeftover = (candidate: LeftoverCandidate, now: Date, maxAgeMs: number): boolean =>
  isOursByName(candidate) && !isLeftover(candidate, now, maxAgeMs)

/** For clean-ups that know no write is in progress (the backup job, under its lock): every leftover goes. */
export const ANY_AGE = Number.NEGATIVE_INFINITY

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: HOUR_MS, d: 24 * HOUR_MS }
/** Ten years: anything longer is a typo, not a threshold. */
const MAX_DURATION_MS = 3650 * 24 * HOUR_MS

/** `24h`, `90m`, `1.5h`, `7d`, `30s`, or a bare number of hours (`0` removes every leftover found). */
export const parseDuration = (text: string): number | undefined => {
  const match = /^(\d+(?:\.\d+)?)\s*([smhd]?)$/i.exec(text.trim())
  if (match === null) return undefined
  const ms = Number(match[1]) * UNITS[(match[2] || "h").toLowerCase()]!
  return Number.isFinite(ms) && ms <= MAX_DURATION_MS ? Math.round(ms) : undefined
}

export const DURATION_HINT = "use a number of hours or a duration such as 24h, 90m, 7d (0 removes every leftover found)"

/** The shortest exact spelling, for messages: `24h`, `90m`, `1.5h`. */
export const formatDuration = (ms: number): string => {
  for (const unit of ["d", "h", "m"] as const) {
    const count = ms / UNITS[unit]!
    if (ms > 0 && Number.isInteger(count)) return `${count}${unit}`
  }
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / HOUR_MS).toFixed(3)}h`
}
