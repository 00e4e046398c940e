import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { StorageEngineShape } from "../engine/StorageEngine.ts"
import { compareKeys } from "../location/StorageKey.ts"
import { contentDiffers } from "./compareContents.ts"
import { countEntry, emptyCounts, planStreams } from "./planStream.ts"
import type { PlanCounts } from "./planStream.ts"
import type { PlanEntry } from "./sortedMerge.ts"

export type Difference =
  | { readonly _tag: "Missing"; readonly key: string }
  | { readonly _tag: "Different"; readonly key: string; readonly why: "size" | "newer" | "content" }
  | { readonly _tag: "Extra"; readonly key: string }
  | { readonly _tag: "Unreadable"; readonly key: string; readonly message: string }

export interface Verification {
  /** In key order. Held in memory: they are what a verify reports, one line each. */
  readonly differences: ReadonlyArray<Difference>
  /** Files the same on both sides (by size and time; by content too with `checksum`). */
  readonly same: number
}

/** The plan's counts alone, streamed from both listings: memory does not grow with the number of files. */
export const countEngines = (
  source: StorageEngineShape,
  destination: StorageEngineShape,
  excludes: ReadonlyArray<string> = [],
  listConcurrency?: number
) =>
  Stream.runFold(
    planStreams(
      source.list("", { concurrency: listConcurrency }),
      destination.list("", { concurrency: listConcurrency }),
      { excludes }
    ),
    (): PlanCounts => emptyCounts,
    countEntry
  )

/**
 * Every missing, extra or different file between two locations, streamed from both listings; with
 * `checksum`, same-size files are compared by content, `concurrency` at a time. Writes nothing.
 */
export const verifyEngines = Effect.fn("verifyEngines")(function*(
  source: StorageEngineShape,
  destination: StorageEngineShape,
  options: { readonly checksum: boolean; readonly concurrency: number; readonly listConcurrency?: number }
) {
  const differences: Array<Difference> = []
  let same = 0
  const found = (difference: Difference) => Effect.sync(() => void differences.push(difference))
  const check = (entry: PlanEntry): Effect.Effect<void> => {
    const key = entry.file.key
    switch (entry._tag) {
      case "Copy":
        return found(
          entry.reason === "missing" ? { _tag: "Missing", key } : { _tag: "Different", key, why: entry.reason }
        )
      case "Extra":
        return found({ _tag: "Extra", key })
      case "Excluded":
        return Effect.void
      case "Unchanged":
        if (!options.checksum) return Effect.sync(() => void same++)
        return contentDiffers(source, destination, key).pipe(
          Effect.flatMap((differs) =>
            differs ? found({ _tag: "Different", key, why: "content" }) : Effect.sync(() => void same++)
          ),
          Effect.catch((error) => found({ _tag: "Unreadable", key, message: error.message }))
        )
    }
  }
  const listing = { concurrency: options.listConcurrency }
  yield* planStreams(source.list("", listing), destination.list("", listing)).pipe(
    Stream.mapEffect(check, { concurrency: options.concurrency, unordered: true }),
    Stream.runDrain
  )
  differences.sort((a, b) => compareKeys(a.key, b.key))
  return { differences, same } satisfies Verification as Verification
})
