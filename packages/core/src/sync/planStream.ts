import * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Effect from "effect/Effect"
import * as Pull from "effect/Pull"
import * as Stream from "effect/Stream"
import { makeSortedMerge } from "./sortedMerge.ts"
import type { ListingOutOfOrder, PlanEntry, Side } from "./sortedMerge.ts"
import type { CopyReason, ListedFile, SyncPlan } from "./syncPlan.ts"

/**
 * Listing pages each side may run ahead of the merge: both sides list at once, in bounded memory. Each page
 * ahead is objects that wait, and are promoted to the old generation when they wait long; four were no faster.
 */
const PAGES_AHEAD = 2

/**
 * The plan of two listings in UTF-8 byte order, as a stream: entries come out as soon as both listings
 * have reached their key, so copies can start while listing goes on. Fails with `ListingOutOfOrder`
 * rather than plan wrongly when a side does not list in that order.
 */
export const planStreams = <E1, E2>(
  source: Stream.Stream<ListedFile, E1>,
  destination: Stream.Stream<ListedFile, E2>,
  options: { readonly excludes?: ReadonlyArray<string> } = {}
): Stream.Stream<PlanEntry, E1 | E2 | ListingOutOfOrder> =>
  Stream.fromChannel(Channel.fromTransformBracket(Effect.fnUntraced(function*(_, scope) {
    const ahead = <E>(listing: Stream.Stream<ListedFile, E>) =>
      Channel.toPullScoped(Stream.buffer(Stream.chunks(listing), { capacity: PAGES_AHEAD }).channel, scope)
    type Pages = Arr.NonEmptyReadonlyArray<Arr.NonEmptyReadonlyArray<ListedFile>>
    const pulls: Record<Side, Pull.Pull<Pages, E1 | E2>> = {
      source: yield* ahead(source),
      destination: yield* ahead(destination)
    }
    const merge = makeSortedMerge(options)
    const pullSide = (side: Side): Effect.Effect<Pages | undefined, E1 | E2> =>
      Pull.catchDone(pulls[side], () => Effect.succeed(undefined))
    const pull: Effect.Effect<Arr.NonEmptyReadonlyArray<PlanEntry>, E1 | E2 | ListingOutOfOrder | Cause.Done> = Effect
      .gen(function*() {
        for (;;) {
          const entries = merge.drain()
          if (Arr.isArrayNonEmpty(entries)) return entries
          const side = merge.needs()
          if (side === undefined) return yield* Cause.done()
          const pages = yield* pullSide(side)
          if (pages === undefined) merge.end(side)
          for (const page of pages ?? []) {
            const error = merge.push(side, page)
            if (error !== undefined) return yield* error
          }
        }
      })
    return pull
  })))

/** What a plan comes to, without its files: what a run reports, in memory that does not grow. */
export interface PlanCounts {
  readonly copy: number
  readonly copyBytes: number
  readonly unchanged: number
  readonly extra: number
  readonly excluded: number
}

export const emptyCounts: PlanCounts = { copy: 0, copyBytes: 0, unchanged: 0, extra: 0, excluded: 0 }

export const countEntry = (counts: PlanCounts, entry: PlanEntry): PlanCounts => {
  switch (entry._tag) {
    case "Copy":
      return { ...counts, copy: counts.copy + 1, copyBytes: counts.copyBytes + entry.file.size }
    case "Unchanged":
      return { ...counts, unchanged: counts.unchanged + 1 }
    case "Extra":
      return { ...counts, extra: counts.extra + 1 }
    case "Excluded":
      return { ...counts, excluded: counts.excluded + 1 }
  }
}

/** A plan held in memory as entries, for the executor (excluded files are only counted there). */
export const entriesOf = (plan: SyncPlan): Array<PlanEntry> => [
  ...plan.copy.map(({ reason, ...file }): PlanEntry => ({ _tag: "Copy", file, reason })),
  ...plan.unchanged.map((file): PlanEntry => ({ _tag: "Unchanged", file })),
  ...plan.extra.map((file): PlanEntry => ({ _tag: "Extra", file }))
]
