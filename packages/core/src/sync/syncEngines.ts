import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { StorageEngineShape } from "../engine/StorageEngine.ts"
import { executePlan } from "./executePlan.ts"
import type { SyncOptions, SyncResult } from "./executeSync.ts"
import { countEntry, emptyCounts, planStreams } from "./planStream.ts"
import type { PlanCounts } from "./planStream.ts"
import type { PlanEntry } from "./sortedMerge.ts"

export { DeleteRefused } from "./deleteGuard.ts"

/**
 * Both sides' listings merged in key order (one listing call per 1,000 keys on S3, no per-file HEAD). With
 * `md5`, local files are hashed as they are listed, for `--checksum` (see `ListOptions.md5`).
 */
const planOf = (
  source: StorageEngineShape,
  destination: StorageEngineShape,
  options: {
    readonly excludes: ReadonlyArray<string>
    readonly listConcurrency?: number | undefined
    readonly md5: boolean
  }
) => {
  const listing = { concurrency: options.listConcurrency, md5: options.md5 }
  return planStreams(source.list("", listing), destination.list("", listing), { excludes: options.excludes })
}

export interface SyncOutcome {
  readonly counts: PlanCounts
  /** Undefined on a dry run. */
  readonly result: SyncResult | undefined
}

type SyncEnginesOptions = SyncOptions & {
  readonly excludes: ReadonlyArray<string>
  readonly dryRun: boolean
  readonly force?: boolean
  /** A dry run hands each entry of the plan here as it streams, in key order (to print it). */
  readonly onPlanned?: (entry: PlanEntry) => Effect.Effect<void>
}

/**
 * A whole sync: the plan streams from both listings into the copies, so copying starts while listing goes
 * on and memory does not grow with the number of files. A dry run streams the plan to `onPlanned` and keeps
 * only its counts.
 */
export const syncEngines = Effect.fn("syncEngines")(function*(
  source: StorageEngineShape,
  destination: StorageEngineShape,
  options: SyncEnginesOptions
) {
  if (options.dryRun) {
    const onPlanned = options.onPlanned ?? (() => Effect.void)
    const counts = yield* Stream.runFoldEffect(
      planOf(source, destination, { ...options, md5: false }),
      (): PlanCounts => emptyCounts,
      (counts, entry) => Effect.as(onPlanned(entry), countEntry(counts, entry))
    )
    return { counts, result: undefined } satisfies SyncOutcome as SyncOutcome
  }
  const entries = planOf(source, destination, { ...options, md5: options.checksum })
  const guarded = { ...options, guardDeletes: options.force !== true }
  const { counts, result } = yield* executePlan(source, destination, entries, guarded)
  return { counts, result } satisfies SyncOutcome as SyncOutcome
})
