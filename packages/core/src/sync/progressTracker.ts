import * as Effect from "effect/Effect"
import type { SyncProgress } from "./executeSync.ts"
import type { ListedFile } from "./syncPlan.ts"

/**
 * A sync's progress as plain counters: bumped by every copy and every listed page, read by the report
 * once a second. Plain fields, not a `Ref`: a million updates cost nothing, and only one fiber runs at a time.
 */
export const makeProgressTracker = (expected: number | undefined) => {
  let filesDone = 0
  let filesTotal = 0
  let bytesDone = 0
  let bytesTotal = 0
  let failed = 0
  let listed = 0
  let listing = true
  return {
    listed: (count: number) => void (listed += count),
    planned: (file: ListedFile) => {
      filesTotal++
      bytesTotal += file.size
    },
    copied: (file: ListedFile) => {
      filesDone++
      bytesDone += file.size
    },
    failed: () => {
      filesDone++
      failed++
    },
    listingDone: () => void (listing = false),
    current: (): SyncProgress => ({ filesDone, filesTotal, bytesDone, bytesTotal, failed, listed, listing, expected })
  }
}

export type ProgressTracker = ReturnType<typeof makeProgressTracker>

/** Reports the progress once a second until the scope closes (and once more when asked, at the end). */
export const startReporting = (
  tracker: ProgressTracker,
  onProgress: ((progress: SyncProgress) => Effect.Effect<void>) | undefined
) => {
  const report = onProgress === undefined ? Effect.void : Effect.suspend(() => onProgress(tracker.current()))
  return Effect.as(Effect.forkScoped(Effect.forever(Effect.andThen(Effect.sleep("1 second"), report))), report)
}
