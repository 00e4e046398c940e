import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { StorageEngineShape } from "../engine/StorageEngine.ts"
import { executePlan } from "./executePlan.ts"
import { entriesOf } from "./planStream.ts"
import type { SyncPlan } from "./syncPlan.ts"

export interface SyncOptions {
  /** Delete destination files the source lacks. */
  readonly delete: boolean
  /** Compare the content of same-size files too (by the cheapest strong check, see `compareContents`). */
  readonly checksum: boolean
  /** Small files copied at once. Large files (multipart on S3) go two at a time, to bound memory. */
  readonly concurrency: number
  /** Listing requests in flight per S3 side (see `ListOptions`); undefined: one serial chain of pages. */
  readonly listConcurrency?: number | undefined
  readonly onProgress?: (progress: SyncProgress) => Effect.Effect<void>
  /** About how many objects the listings hold (from a database's asset count, say), for progress while listing. */
  readonly expectedObjects?: number
}

/** Totals grow while the listings go on: a streamed sync knows what to copy only as it lists. */
export interface SyncProgress {
  readonly filesDone: number
  readonly filesTotal: number
  readonly bytesDone: number
  readonly bytesTotal: number
  readonly failed: number
  /** Objects of both listings merged so far (a key on both sides counts once). */
  readonly listed: number
  /** True until both listings are complete: until then the totals only grow. */
  readonly listing: boolean
  /** `expectedObjects`, when the caller knows it. */
  readonly expected: number | undefined
}

export interface SyncFailure {
  readonly key: string
  readonly operation: "copy" | "delete" | "compare"
  readonly message: string
}

export interface SyncResult {
  readonly copied: number
  readonly bytes: number
  readonly deleted: number
  readonly unchanged: number
  readonly failures: ReadonlyArray<SyncFailure>
}

/** Carries out a plan held in memory (see `executePlan`, which takes one as a stream). */
export const executeSync = (
  source: StorageEngineShape,
  destination: StorageEngineShape,
  plan: SyncPlan,
  options: SyncOptions
): Effect.Effect<SyncResult> =>
  executePlan(source, destination, Stream.fromIterable(entriesOf(plan)), options).pipe(
    Effect.map(({ result }) => result),
    // Deletes are not guarded here, so the refusal cannot happen.
    Effect.catchTag("DeleteRefused", (refused) => Effect.die(refused))
  )
