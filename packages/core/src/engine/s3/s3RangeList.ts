import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { compareKeys } from "../../location/StorageKey.ts"
import type { StorageError } from "../errors.ts"
import type { ListedObject } from "./s3ListPage.ts"
import type { PageOf, Segment } from "./s3ParallelList.ts"

/**
 * What one listing request covers: the objects a delimiter listing already returned, or a run of neighbouring
 * prefixes listed as one stretch of keys. A run of one prefix is listed by that prefix alone.
 */
export type ListingGroup =
  | { readonly _tag: "Objects"; readonly objects: ReadonlyArray<ListedObject> }
  | { readonly _tag: "Run"; readonly prefixes: ReadonlyArray<string>; readonly end: string | undefined }

/** Prefixes in one run at most, so that a wrong guess of their size costs little parallelism. */
const MAX_RUN = 64

/**
 * How many neighbouring prefixes to list as one run: as many as fill about one page, from the keys per prefix
 * seen so far (one, before any listing finished). Immich's two-character folders hold a few keys each until a
 * library is very large, and a request per folder was most of a big listing's round trips.
 */
export const runLength = (pageSize: number, keysSeen: number, prefixesSeen: number): number => {
  if (prefixesSeen === 0) return 1
  const perPrefix = Math.max(1, keysSeen / prefixesSeen)
  return Math.max(1, Math.min(MAX_RUN, Math.floor(pageSize / perPrefix)))
}

/**
 * The segments (in key order) as listing groups, each made when it is pulled, `length()` prefixes to a run.
 * A run ends before the next segment, whose sort key is where the run's keys stop: no key below a prefix
 * sorts at or after the next segment's key.
 */
export const groupsOf = (segments: ReadonlyArray<Segment>, length: () => number): Stream.Stream<ListingGroup> =>
  Stream.unfold(0, (at) =>
    Effect.sync((): readonly [ListingGroup, number] | undefined => {
      const first = segments[at]
      if (first === undefined) return undefined
      if (first._tag === "Objects") return [first, at + 1] as const
      const prefixes: Array<string> = [first.prefix]
      const most = length()
      let next = at + 1
      for (let s = segments[next]; s?._tag === "Prefix" && prefixes.length < most; s = segments[++next]) {
        prefixes.push(s.prefix)
      }
      const after = segments[next]
      const end = after === undefined ? undefined : after._tag === "Prefix" ? after.prefix : after.objects[0]?.key
      return [{ _tag: "Run", prefixes, end }, next] as const
    }))

/** The longest string both start with: every key of a run of prefixes starts with that of its first and last. */
const commonStart = (a: string, b: string): string => {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  return a.slice(0, i)
}

/**
 * The keys of a run of prefixes, one serial chain of pages: from the first prefix (`start-after` it: a key
 * equal to a prefix ends in "/" and is a folder placeholder, which listings skip) to the run's end.
 * `onDone(keys)` is told how many keys the run held once it is read to its end.
 */
export const runOf = (
  page: PageOf,
  prefixes: ReadonlyArray<string>,
  end: string | undefined,
  onDone: (keys: number) => void
): Stream.Stream<ListedObject, StorageError> => {
  const within = commonStart(prefixes[0]!, prefixes.at(-1)!)
  let keys = 0
  return Stream.paginate(
    undefined as string | undefined,
    (token) =>
      page(within, token, undefined, token === undefined ? prefixes[0] : undefined).pipe(Effect.map((listed) => {
        const last = listed.objects.at(-1)
        const inRun = end === undefined || last === undefined || compareKeys(last.key, end) < 0
          ? listed.objects
          : listed.objects.filter((object) => compareKeys(object.key, end) < 0)
        keys += inRun.length
        const next = listed.nextContinuationToken
        const done = next === undefined || inRun.length < listed.objects.length
        if (done) onDone(keys)
        return [inRun, done ? Option.none() : Option.some(next)] as const
      }))
  )
}
