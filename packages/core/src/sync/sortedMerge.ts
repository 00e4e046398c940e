import * as Schema from "effect/Schema"
import { compareKeys } from "../location/StorageKey.ts"
import { globToRegExp } from "./syncPlan.ts"
import type { CopyReason, ListedFile } from "./syncPlan.ts"

/**
 * The plan as a merge of two listings sorted in UTF-8 byte order (S3's order, and the local walk's): it
 * holds one listing page per side, not the listings, so memory does not grow with the number of files.
 * The same decisions as `planSync`: copy what is missing, resized or newer by a whole second.
 */
export type PlanEntry =
  | { readonly _tag: "Copy"; readonly file: ListedFile; readonly reason: CopyReason }
  /** `there` is the destination's file (what its listing says of the content, for `--checksum`). */
  | { readonly _tag: "Unchanged"; readonly file: ListedFile; readonly there?: ListedFile }
  | { readonly _tag: "Extra"; readonly file: ListedFile }
  | { readonly _tag: "Excluded"; readonly file: ListedFile }

export type Side = "source" | "destination"

/** A listing that broke its promise of UTF-8 byte order: merging it would plan wrongly, so nothing is planned. */
export class ListingOutOfOrder extends Schema.TaggedError<ListingOutOfOrder>()("ListingOutOfOrder", {
  side: Schema.Literals(["source", "destination"]),
  previous: Schema.String,
  key: Schema.String
}) {
  override get message(): string {
    return `The ${this.side} listed "${this.key}" after "${this.previous}", which is not UTF-8 byte order ` +
      `(the order S3 lists keys in). A sync merges both listings in that order, so it stops rather than ` +
      `plan wrongly. Is the ${this.side} an S3-compatible server that lists keys in another order?`
  }
}

export interface SortedMerge {
  /** Adds the next files a side listed; an error (and nothing added) when they break the order. */
  readonly push: (side: Side, files: ReadonlyArray<ListedFile>) => ListingOutOfOrder | undefined
  /** Says a side's listing is complete. */
  readonly end: (side: Side) => void
  /** Every entry that can be decided from what was pushed so far, in key order. */
  readonly drain: () => Array<PlanEntry>
  /** The side to push (or end) before more can be decided; undefined once both ended and all is drained. */
  readonly needs: () => Side | undefined
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000)

/** The decision for a key both sides hold. */
const compare = (file: ListedFile, there: ListedFile): PlanEntry =>
  there.size !== file.size
    ? { _tag: "Copy", file, reason: "size" }
    : seconds(file.lastModified) > seconds(there.lastModified)
    ? { _tag: "Copy", file, reason: "newer" }
    : { _tag: "Unchanged", file, there }

/** One side's pending files: a page and a read position, so taking from the front costs nothing. */
const makeQueue = (side: Side) => {
  let files: ReadonlyArray<ListedFile> = []
  let next = 0
  let lastKey: string | undefined
  let ended = false
  return {
    push: (more: ReadonlyArray<ListedFile>): ListingOutOfOrder | undefined => {
      let previous = lastKey
      for (const file of more) {
        if (previous !== undefined && compareKeys(previous, file.key) >= 0) {
          return new ListingOutOfOrder({ side, previous, key: file.key })
        }
        previous = file.key
      }
      lastKey = previous
      files = next === files.length ? more : [...files.slice(next), ...more]
      next = 0
      return undefined
    },
    end: () => void (ended = true),
    head: (): ListedFile | undefined => files[next],
    take: () => void next++,
    /** Nothing pending, and more may come. */
    starved: () => next === files.length && !ended,
    finished: () => next === files.length && ended
  }
}

export const makeSortedMerge = (options: { readonly excludes?: ReadonlyArray<string> } = {}): SortedMerge => {
  const patterns = (options.excludes ?? []).map(globToRegExp)
  const isExcluded = (key: string) => patterns.length > 0 && patterns.some((p) => p.test(key))
  const queues = { source: makeQueue("source"), destination: makeQueue("destination") }
  const { destination, source } = queues

  /** The next entry, when both heads (or an ended side) decide it; undefined when a side must be pulled first. */
  const decideNext = (): PlanEntry | "skipped" | undefined => {
    if (source.starved() || destination.starved()) return undefined
    const a = source.head()
    const b = destination.head()
    if (b !== undefined && isExcluded(b.key)) {
      destination.take()
      return "skipped"
    }
    if (a !== undefined && isExcluded(a.key)) {
      source.take()
      return { _tag: "Excluded", file: a }
    }
    if (a === undefined && b === undefined) return undefined
    const order = a === undefined ? 1 : b === undefined ? -1 : compareKeys(a.key, b.key)
    if (order < 0) {
      source.take()
      return { _tag: "Copy", file: a!, reason: "missing" }
    }
    if (order > 0) {
      destination.take()
      return { _tag: "Extra", file: b! }
    }
    source.take()
    destination.take()
    return compare(a!, b!)
  }

  return {
    push: (side, files) => queues[side].push(files),
    end: (side) => queues[side].end(),
    drain: () => {
      const entries: Array<PlanEntry> = []
      for (let entry = decideNext(); entry !== undefined; entry = decideNext()) {
        if (entry !== "skipped") entries.push(entry)
      }
      return entries
    },
    needs: () => source.starved() ? "source" : destination.starved() ? "destination" : undefined
  }
}

/**
 * The plan's entries for two listings already sorted in UTF-8 byte order, in that order. Lazy: it reads
 * each listing only as far as it needs to. Throws `ListingOutOfOrder` when a listing is not sorted.
 */
export function* planSorted(
  source: Iterable<ListedFile>,
  destination: Iterable<ListedFile>,
  options: { readonly excludes?: ReadonlyArray<string> } = {}
): Generator<PlanEntry> {
  const merge = makeSortedMerge(options)
  const listings = { source: source[Symbol.iterator](), destination: destination[Symbol.iterator]() }
  for (;;) {
    yield* merge.drain()
    const side = merge.needs()
    if (side === undefined) return
    const next = listings[side].next()
    if (next.done === true) merge.end(side)
    else {
      const error = merge.push(side, [next.value])
      if (error !== undefined) throw error
    }
  }
}
