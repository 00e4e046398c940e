import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { compareKeys } from "../../location/StorageKey.ts"
import type { StorageError } from "../errors.ts"
import type { ListedObject, ListPage } from "./s3ListPage.ts"
import { groupsOf, runLength, runOf } from "./s3RangeList.ts"

/** One ListObjectsV2 page of bucket keys starting with `rawPrefix` ("" for the whole bucket), after `startAfter`. */
export type PageOf = (
  rawPrefix: string,
  token: string | undefined,
  delimiter?: string,
  startAfter?: string
) => Effect.Effect<ListPage, StorageError>

/** Every bucket key below `rawPrefix`, one serial chain of pages, in the server's (UTF-8 byte) order. */
export const pagesOf = (page: PageOf, rawPrefix: string): Stream.Stream<ListedObject, StorageError> =>
  Stream.paginate(undefined as string | undefined, (token) =>
    page(rawPrefix, token).pipe(Effect.map((listed) => {
      const next = listed.nextContinuationToken
      return [listed.objects, next === undefined ? Option.none() : Option.some(next)] as const
    })))

/**
 * A stretch of the key space, in order: objects a delimiter listing returned directly, or a prefix still to
 * list (`final` once a delimiter listing of it took more than a page: it is listed whole rather than split).
 */
export type Segment =
  | { readonly _tag: "Objects"; readonly objects: ReadonlyArray<ListedObject> }
  | { readonly _tag: "Prefix"; readonly prefix: string; readonly final: boolean }

/** Levels of `/` split at most: Immich's `upload/<user>/<xx>/` is three. */
const MAX_DEPTH = 3

const sortKeyOf = (segment: Segment): string =>
  segment._tag === "Prefix" ? segment.prefix : (segment.objects[0]?.key ?? "")

/**
 * One level below `prefix`, from a single delimiter page: its own objects and its sub-prefixes in UTF-8 byte
 * order. A sub-prefix "a/b/" sorts as that string, which places it rightly against keys beside it ("a/b.jpg"
 * before it, "a/b0" after it): no key beside it starts with it. Undefined when the level takes more than one
 * page (a flat folder): splitting it would hold its keys in memory for nothing, so it is listed whole.
 */
const splitOnce = (page: PageOf, prefix: string): Effect.Effect<Array<Segment> | undefined, StorageError> =>
  Effect.map(page(prefix, undefined, "/"), (listed) => {
    if (listed.nextContinuationToken !== undefined) return undefined
    const parts: Array<Segment> = [
      ...listed.objects.map((object): Segment => ({ _tag: "Objects", objects: [object] })),
      ...listed.commonPrefixes.map((sub): Segment => ({ _tag: "Prefix", prefix: sub, final: false }))
    ]
    return parts.sort((a, b) => compareKeys(sortKeyOf(a), sortKeyOf(b)))
  })

/** Runs of objects side by side become one segment, so they cost one step of the concatenation. */
const joinObjects = (segments: ReadonlyArray<Segment>): Array<Segment> => {
  const joined: Array<Segment> = []
  for (const segment of segments) {
    const last = joined.at(-1)
    if (segment._tag === "Objects" && last?._tag === "Objects") {
      joined[joined.length - 1] = { _tag: "Objects", objects: [...last.objects, ...segment.objects] }
    } else joined.push(segment)
  }
  return joined
}

/**
 * The key space below `root` split level by level on `/`, until there are `target` prefixes to list, or
 * MAX_DEPTH levels. Memory: a level is split only while fewer than `target` prefixes are open, each split
 * one page, so at most `target` × 1,000 objects are held before listing starts.
 */
export const splitKeySpace = (page: PageOf, root: string, target: number, concurrency: number) =>
  Effect.gen(function*() {
    let segments: Array<Segment> = [{ _tag: "Prefix", prefix: root, final: false }]
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      const open = segments.filter((s) => s._tag === "Prefix" && !s.final)
      if (open.length === 0 || open.length >= target) break
      const splits = yield* Effect.forEach(
        segments,
        (s) => (s._tag === "Prefix" && !s.final ? splitOnce(page, s.prefix) : Effect.succeed([s])),
        { concurrency }
      )
      segments = splits.flatMap((split, i): Array<Segment> => {
        const segment = segments[i]!
        return split ?? (segment._tag === "Prefix" ? [{ ...segment, final: true }] : [segment])
      })
    }
    return joinObjects(segments)
  })

/**
 * A prefix's listing, started now and read later, one page ahead (`pageSize` keys): the run's next request goes
 * out while its first page waits to be read. Two pages ahead held twice the objects, long enough for them to be
 * promoted to the old generation, and listed no faster. Its fiber lives in a scope of its own (a child of the
 * whole listing's, so interrupting the listing stops it), closed once it has been read: a listing of thousands
 * of prefixes does not keep thousands of finished fibers until its end.
 */
const listAhead = (listing: Stream.Stream<ListedObject, StorageError>, pageSize: number) =>
  Effect.gen(function*() {
    const own = yield* Scope.fork(yield* Scope.Scope)
    const queue = yield* Scope.provide(own)(Stream.toQueue(listing, { capacity: pageSize }))
    return Stream.fromQueue(queue).pipe(Stream.ensuring(Scope.close(own, Exit.void)))
  })

/**
 * Every bucket key below `root`, in UTF-8 byte order, with up to `concurrency` requests at once: the key
 * space is split on prefixes a delimiter listing finds (any layout; Immich's splits on user and on the
 * two-character folders), neighbouring prefixes are grouped into runs of about a page of keys (see
 * `runLength`), and each run is listed `concurrency` runs ahead of the one being read; their listings are
 * concatenated in order. Memory: ≤ concurrency + 2 runs' look-ahead of a page each. `page` bounds the
 * requests in flight itself.
 */
export const listInParallel = (
  page: PageOf,
  root: string,
  concurrency: number,
  pageSize: number
): Stream.Stream<ListedObject, StorageError> =>
  Stream.unwrap(
    Effect.map(splitKeySpace(page, root, concurrency * 2, concurrency), (segments) => {
      let keysSeen = 0
      let prefixesSeen = 0
      const runs = groupsOf(segments, () => runLength(pageSize, keysSeen, prefixesSeen))
      return runs.pipe(
        Stream.mapEffect((group) =>
          group._tag === "Objects"
            ? Effect.succeed(Stream.fromIterable(group.objects))
            : listAhead(
              runOf(page, group.prefixes, group.end, (keys) => {
                keysSeen += keys
                prefixesSeen += group.prefixes.length
              }),
              pageSize
            )
        ),
        // Starts the next runs' listings while an earlier one is read: this is the look-ahead.
        Stream.buffer({ capacity: concurrency }),
        Stream.flatten(),
        Stream.scoped
      )
    })
  )
