import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Result from "effect/Result"
import * as Semaphore from "effect/Semaphore"
import * as Stream from "effect/Stream"
import type { StorageError } from "../engine/errors.ts"
import { PART_SIZE } from "../engine/parts.ts"
import type { StorageEngineShape } from "../engine/StorageEngine.ts"
import { contentDiffers } from "./compareContents.ts"
import { deleteHazardOf, DeleteRefused } from "./deleteGuard.ts"
import type { SyncFailure, SyncOptions, SyncResult } from "./executeSync.ts"
import { countEntry, emptyCounts } from "./planStream.ts"
import type { PlanCounts } from "./planStream.ts"
import { makeProgressTracker, startReporting } from "./progressTracker.ts"
import type { PlanEntry } from "./sortedMerge.ts"
import type { ListedFile } from "./syncPlan.ts"

/** Files above one upload part go multipart on S3 and are streamed; fewer of them are copied at once. */
const LARGE_FILE = PART_SIZE
const LARGE_CONCURRENCY = 2

/** Copies one file: small ones read whole and sent in one request, large ones streamed in upload-part pieces. */
const copierFor = (source: StorageEngineShape, destination: StorageEngineShape, large: Semaphore.Semaphore) => {
  // Read in pieces of the upload part size, so parts go out as read, without being joined from small chunks.
  const copyStreamed = (file: ListedFile) =>
    large.withPermit(
      source.get(file.key, undefined, { readSize: LARGE_FILE }).pipe(
        Effect.flatMap((body) => destination.put(file.key, body.stream, { lastModified: body.info.lastModified }))
      )
    )
  // A stream per small file would cost more than its bytes.
  const copyBytes = (file: ListedFile) =>
    source.readSmall(file.key, LARGE_FILE).pipe(
      Effect.flatMap((small) =>
        small === undefined
          ? copyStreamed(file) // it grew past the limit since the listing
          : destination.put(file.key, small.bytes, { lastModified: small.info.lastModified })
      )
    )
  return (file: ListedFile) => (file.size <= LARGE_FILE ? copyBytes(file) : copyStreamed(file))
}

/** Large files found but not yet copied, beyond which the plan waits: small files flow past them meanwhile. */
const LARGE_BACKLOG = 64

/**
 * Large files copied beside the stream: a run of large files (a folder of videos) then does not hold every
 * copy slot while they wait for their two at a time, and the small files after them go on being copied.
 */
const makeLargeLane = Effect.gen(function*() {
  const running = yield* FiberSet.make<void>()
  const backlog = yield* Semaphore.make(LARGE_BACKLOG)
  return {
    submit: (copy: Effect.Effect<void>) =>
      Effect.andThen(backlog.take(1), FiberSet.run(running, Effect.ensuring(copy, backlog.release(1)))),
    drain: FiberSet.awaitEmpty(running)
  }
})

/** Keys per delete request, as S3's DeleteObjects takes them. */
const DELETE_BATCH = 1000

/**
 * Deletes extra files: in batches as they are found when nothing guards the deletes, else all at the end
 * (held until then, because the guard decides on the whole plan).
 */
const makeDeleter = (
  destination: StorageEngineShape,
  streaming: boolean,
  onFailure: (key: string) => (error: StorageError) => Effect.Effect<void>
) => {
  let held: Array<ListedFile> = []
  let deleted = 0
  const flush = Effect.suspend(() => {
    const batch = held
    held = []
    if (batch.length === 0) return Effect.void
    return destination.delete(batch.map((f) => f.key)).pipe(
      Effect.andThen(Effect.sync(() => void (deleted += batch.length))),
      Effect.catch(onFailure(batch[0]!.key))
    )
  })
  return {
    add: (file: ListedFile) =>
      Effect.suspend(() => {
        held.push(file)
        return streaming && held.length >= DELETE_BATCH ? flush : Effect.void
      }),
    held: (): ReadonlyArray<ListedFile> => held,
    flush,
    deleted: () => deleted
  }
}

export interface PlanExecution {
  readonly counts: PlanCounts
  readonly result: SyncResult
}

/**
 * Carries out a plan as it streams in, `concurrency` files at a time (large ones two at a time, to bound
 * memory): copies start while both sides are still being listed. Every write is atomic, so a sync killed
 * at any moment leaves only whole files, and running it again finishes the job. Failures are collected
 * per file instead of stopping the run. With `delete`, extra files are deleted in batches as they are
 * found; with `guardDeletes`, only once the whole plan is known, and not at all when the source looks
 * unmounted (`DeleteRefused`): only the extras are held for that, not the listings.
 */
export const executePlan = Effect.fn("executePlan")(function*<E>(
  source: StorageEngineShape,
  destination: StorageEngineShape,
  entries: Stream.Stream<PlanEntry, E>,
  options: SyncOptions & { readonly guardDeletes?: boolean }
) {
  const failures: Array<SyncFailure> = []
  const fail = (key: string, operation: SyncFailure["operation"]) => (error: StorageError) =>
    Effect.sync(() => void failures.push({ key, operation, message: error.message }))
  const guarded = options.guardDeletes === true
  const deleter = makeDeleter(destination, !guarded, (key) => fail(key, "delete"))
  let counts = emptyCounts
  let differing = 0
  const progress = makeProgressTracker(options.expectedObjects)
  const copyFile = copierFor(source, destination, yield* Semaphore.make(LARGE_CONCURRENCY))
  const copyOne = (file: ListedFile) =>
    copyFile(file).pipe(
      Effect.andThen(Effect.sync(() => progress.copied(file))),
      Effect.catch((error) => Effect.andThen(fail(file.key, "copy")(error), Effect.sync(progress.failed)))
    )
  // With --checksum, same-size files whose content differs are copied too. Like copies, at most
  // `concurrency` are compared at once, so at most that many files are being read for it.
  const checkOne = (file: ListedFile, there: ListedFile | undefined) =>
    contentDiffers(source, destination, file, there).pipe(
      Effect.flatMap((differs) =>
        differs
          ? Effect.sync(() => void differing++).pipe(Effect.andThen(startCopy(file)))
          : Effect.void
      ),
      Effect.catch(fail(file.key, "compare"))
    )
  const largeLane = yield* makeLargeLane
  const startCopy = (file: ListedFile) =>
    Effect.andThen(
      Effect.sync(() => progress.planned(file)),
      file.size > LARGE_FILE ? largeLane.submit(copyOne(file)) : copyOne(file)
    )
  /** The work an entry needs, if any: most entries of a re-sync need none, and never reach the copiers. */
  const workFor = (entry: PlanEntry): Result.Result<Effect.Effect<void>, PlanEntry> => {
    if (entry._tag === "Copy") return Result.succeed(startCopy(entry.file))
    if (entry._tag === "Unchanged" && options.checksum) return Result.succeed(checkOne(entry.file, entry.there))
    if (entry._tag === "Extra" && options.delete) return Result.succeed(deleter.add(entry.file))
    return Result.fail(entry)
  }

  const report = yield* startReporting(progress, options.onProgress)
  yield* entries.pipe(
    // Counted a page at a time, and only what needs work goes on: an effect (and a fiber) for each of a
    // million up-to-date files was most of a no-op re-sync's time.
    Stream.mapArray((page) => {
      for (const entry of page) counts = countEntry(counts, entry)
      progress.listed(page.length)
      return page
    }),
    Stream.filterMap(workFor),
    Stream.mapEffect((work) => work, { concurrency: options.concurrency, unordered: true }),
    Stream.runDrain
  )
  yield* largeLane.drain
  progress.listingDone()
  const done = progress.current()
  const copied = done.filesDone - done.failed
  const hazard = guarded ? deleteHazardOf(counts.copy + counts.unchanged, deleter.held()) : undefined
  if (hazard !== undefined) return yield* new DeleteRefused({ reason: hazard, copied })
  yield* deleter.flush
  yield* report
  const unchanged = counts.unchanged - differing
  const result: SyncResult = { copied, bytes: done.bytesDone, deleted: deleter.deleted(), unchanged, failures }
  return { counts, result } satisfies PlanExecution
}, Effect.scoped)
