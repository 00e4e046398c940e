import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { StorageEngineShape } from "../engine/StorageEngine.ts"
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
  /** How many differences were found (each was handed to `onDifference` as it was found). */
  readonly differences: number
  /** Files the same on both sides (by size and time; by content too with `checksum`). */
  readonly same: number
}

/** What an entry of the plan says, when its listings decide it: a difference, the same file, or nothing. */
export const planVerdict = (entry: PlanEntry): Difference | "same" | undefined => {
  const key = entry.file.key
  switch (entry._tag) {
    case "Copy":
      return entry.reason === "missing" ? { _tag: "Missing", key } : { _tag: "Different", key, why: entry.reason }
    case "Extra":
      return { _tag: "Extra", key }
    case "Excluded":
      return undefined
    case "Unchanged":
      return "same"
  }
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

export interface VerifyOptions {
  readonly checksum: boolean
  /** Files compared by content at once (with `checksum`): at most that many are being read at a time. */
  readonly concurrency: number
  readonly listConcurrency?: number | undefined
  /** Called with each difference as it is found, in key order. */
  readonly onDifference?: (difference: Difference) => Effect.Effect<void>
}

/**
 * Every missing, extra or different file between two locations, streamed from both listings and handed
 * to `onDifference` in key order as it is found; only the counts are kept, so memory does not grow with
 * the number of files. With `checksum`, same-size files are compared by content (`contentDiffers`),
 * `concurrency` at a time; their verdicts come out in key order, a file that takes long holding back at
 * most `concurrency` others. Writes nothing.
 */
export const verifyEngines = Effect.fn("verifyEngines")(function*(
  source: StorageEngineShape,
  destination: StorageEngineShape,
  options: VerifyOptions
) {
  let differences = 0
  let same = 0
  const onDifference = options.onDifference ?? (() => Effect.void)
  const byContent = (entry: PlanEntry): Effect.Effect<Difference | "same" | undefined> => {
    const verdict = planVerdict(entry)
    if (verdict !== "same" || entry._tag !== "Unchanged") return Effect.succeed(verdict)
    const key = entry.file.key
    return contentDiffers(source, destination, entry.file, entry.there).pipe(
      Effect.map((differs): Difference | "same" => (differs ? { _tag: "Different", key, why: "content" } : "same")),
      Effect.catch((error) => Effect.succeed<Difference>({ _tag: "Unreadable", key, message: error.message }))
    )
  }
  const listing = { concurrency: options.listConcurrency, md5: options.checksum }
  const entries = planStreams(source.list("", listing), destination.list("", listing))
  const verdicts = options.checksum
    ? Stream.mapEffect(entries, byContent, { concurrency: options.concurrency })
    : Stream.map(entries, planVerdict)
  // A page of verdicts at a time: an effect for each of a million same files would be most of the work.
  yield* Stream.runForEachArray(verdicts, (page) => {
    const found: Array<Difference> = []
    for (const verdict of page) {
      if (verdict === "same") same++
      else if (verdict !== undefined) found.push(verdict)
    }
    differences += found.length
    return Effect.forEach(found, onDifference, { discard: true })
  })
  return { differences, same } satisfies Verification as Verification
})
