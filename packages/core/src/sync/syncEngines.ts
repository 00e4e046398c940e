import * as Effect from "effect/Effect"
import type { StorageEngineShape } from "../engine/StorageEngine.ts"
import { executePlan } from "./executePlan.ts"
import type { SyncOptions, SyncResult } from "./executeSync.ts"
import { collectPlan, planStreams } from "./planStream.ts"
import type { PlanCounts } from "./planStream.ts"
import type { SyncPlan } from "./syncPlan.ts"

export { DeleteRefused } from "./deleteGuard.ts"

/** Both sides' listings merged in key order (one listing call per 1,000 keys on S3, no per-file HEAD). */
const planOf = (
  source: StorageEngineShape,
  destination: StorageEngineShape,
  excludes: ReadonlyArray<string>,
  listConcurrency?: number
) => {
  const options = { concurrency: listConcurrency }
  return planStreams(source.list("", options), destination.list("", options), { excludes })
}

/** The whole plan in memory: for a dry run or a verify, which print every file to copy or delete. */
export const planEngines = (
  source: StorageEngineShape,
  destination: StorageEngineShape,
  excludes: ReadonlyArray<string>,
  listConcurrency?: number
) => collectPlan(planOf(source, destination, excludes, listConcurrency))

export const countsOf = (plan: SyncPlan): PlanCounts => ({
  copy: plan.copy.length,
  copyBytes: plan.copy.reduce((sum, f) => sum + f.size, 0),
  unchanged: plan.unchanged.length,
  extra: plan.extra.length,
  excluded: plan.excluded
})

export interface SyncOutcome {
  readonly counts: PlanCounts
  /** The whole plan, on a dry run only: a real run streams it and keeps only its counts. */
  readonly plan: SyncPlan | undefined
  /** Undefined on a dry run. */
  readonly result: SyncResult | undefined
}

type SyncEnginesOptions = SyncOptions & {
  readonly excludes: ReadonlyArray<string>
  readonly dryRun: boolean
  readonly force?: boolean
}

/**
 * A whole sync: the plan streams from both listings into the copies, so copying starts while listing goes
 * on and memory does not grow with the number of files. A dry run collects the plan instead.
 */
export const syncEngines = Effect.fn("syncEngines")(function*(
  source: StorageEngineShape,
  destination: StorageEngineShape,
  options: SyncEnginesOptions
) {
  if (options.dryRun) {
    const plan = yield* planEngines(source, destination, options.excludes, options.listConcurrency)
    return { counts: countsOf(plan), plan, result: undefined } satisfies SyncOutcome as SyncOutcome
  }
  const entries = planOf(source, destination, options.excludes, options.listConcurrency)
  const guarded = { ...options, guardDeletes: options.force !== true }
  const { counts, result } = yield* executePlan(source, destination, entries, guarded)
  return { counts, plan: undefined, result } satisfies SyncOutcome as SyncOutcome
})
