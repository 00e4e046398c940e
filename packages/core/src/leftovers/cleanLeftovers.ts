import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import { BACKUP_FOLDER } from "../backups/backupNames.ts"
import type { DatabaseShape } from "../db/Database.ts"
import { LOCK_IDS } from "../db/lockIds.ts"
import type { StorageError } from "../engine/errors.ts"
import type { StorageEngineShape } from "../engine/StorageEngine.ts"
import { baseOf } from "../location/MediaLocation.ts"
import { isLeftover, isOursByName, isYoungLeftover } from "./leftoverRules.ts"
import type { LeftoverCandidate } from "./leftoverRules.ts"

export interface LeftoverOptions {
  /** Leftovers older than this go. */
  readonly maxAgeMs: number
  /** When the clean-up began: ages are measured from here, and nothing started later is touched. */
  readonly now: Date
  /** Report what would go, remove nothing. */
  readonly dryRun: boolean
  /** Only below this folder ("" for the whole location, the default). */
  readonly prefix?: string
}

export interface LeftoverReport {
  readonly location: string
  readonly dryRun: boolean
  readonly maxAgeMs: number
  /** Removed (in a dry run: would be removed). */
  readonly removed: ReadonlyArray<LeftoverCandidate>
  /** Leftovers younger than the threshold, kept: they may be writes in progress. */
  readonly kept: number
  /** Leftovers that could not be removed, with the reason; they are tried again next time. */
  readonly failed: ReadonlyArray<{ readonly key: string; readonly message: string }>
}

/** Removals at once: aborts on S3 are one request each. */
const REMOVE_CONCURRENCY = 8

/** Everything a crash may have left below `prefix`, before the age rule is applied. */
const candidates = (engine: StorageEngineShape, prefix: string): Stream.Stream<LeftoverCandidate, StorageError> => {
  const writes: Stream.Stream<LeftoverCandidate, StorageError> = engine.listIncompleteWrites(prefix)
  if (prefix !== "" && prefix !== BACKUP_FOLDER) return writes
  const backupTemps = engine.list(BACKUP_FOLDER).pipe(
    Stream.map((object): LeftoverCandidate => ({
      kind: "backup-temp",
      key: object.key,
      startedAt: object.lastModified,
      size: object.size
    })),
    Stream.filter(isOursByName)
  )
  return Stream.concat(writes, backupTemps)
}

const removeOne = (engine: StorageEngineShape, candidate: LeftoverCandidate) =>
  candidate.kind === "backup-temp"
    ? engine.delete([candidate.key])
    : engine.removeIncompleteWrite({ ...candidate, kind: candidate.kind })

/**
 * Removes crash leftovers from a media location: the local engine's temp files, incomplete S3 multipart
 * uploads, and Immich's unfinished dumps, when older than `maxAgeMs`. Only what the rules of
 * `leftoverRules.ts` prove to be ours is ever touched. One that cannot be removed is reported, not fatal.
 */
export const cleanLeftovers = Effect.fn("cleanLeftovers")(function*(
  engine: StorageEngineShape,
  options: LeftoverOptions
) {
  let kept = 0
  const failed: Array<{ key: string; message: string }> = []
  const outcomes = yield* candidates(engine, options.prefix ?? "").pipe(
    Stream.filter((candidate) => {
      if (isYoungLeftover(candidate, options.now, options.maxAgeMs)) kept++
      return isLeftover(candidate, options.now, options.maxAgeMs)
    }),
    Stream.mapEffect((candidate) =>
      options.dryRun
        ? Effect.succeed(candidate)
        : Effect.exit(removeOne(engine, candidate)).pipe(Effect.map((exit) => {
          if (Exit.isSuccess(exit)) return candidate
          const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
          failed.push({ key: candidate.key, message: reason?._tag === "Fail" ? reason.error.message : "interrupted" })
          return undefined
        })), { concurrency: REMOVE_CONCURRENCY }),
    Stream.runCollect
  )
  const report: LeftoverReport = {
    location: baseOf(engine.location),
    dryRun: options.dryRun,
    maxAgeMs: options.maxAgeMs,
    removed: outcomes.filter((c): c is LeftoverCandidate => c !== undefined),
    kept,
    failed
  }
  return report
})

/** `cleanLeftovers` under the clean-up's advisory lock: None when another instance is cleaning up right now. */
export const cleanLeftoversExclusively = (engine: StorageEngineShape, db: DatabaseShape, options: LeftoverOptions) =>
  db.withTryLock(LOCK_IDS.leftoverCleanup, cleanLeftovers(engine, options))
