import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import { digester } from "../engine/digests.ts"
import type { DigestKind, ObjectDigests } from "../engine/digests.ts"
import type { StorageError } from "../engine/errors.ts"
import { PART_SIZE } from "../engine/parts.ts"
import type { StorageEngineShape } from "../engine/StorageEngine.ts"
import { comparisonFor } from "./contentComparison.ts"
import type { ListedFile, SyncPlan } from "./syncPlan.ts"

export interface SyncOptions {
  /** Delete destination files the source lacks. */
  readonly delete: boolean
  /** Compare the content of same-size files too (by the cheapest strong check, see `compareContents`). */
  readonly checksum: boolean
  /** Small files copied at once. Large files (multipart on S3) go two at a time, to bound memory. */
  readonly concurrency: number
  readonly onProgress?: (progress: SyncProgress) => Effect.Effect<void>
}

export interface SyncProgress {
  readonly filesDone: number
  readonly filesTotal: number
  readonly bytesDone: number
  readonly bytesTotal: number
  readonly failed: number
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

/** Files above one upload part go multipart on S3 and are streamed; fewer of them are copied at once. Smaller ones are read whole. */
const LARGE_FILE = PART_SIZE
const LARGE_CONCURRENCY = 2

/** One side's digest of `kind`: known without reading (S3's `stat`), or computed by reading the file. */
const digestOf = (
  engine: StorageEngineShape,
  key: string,
  kind: DigestKind,
  known: ObjectDigests | undefined,
  read: boolean
) =>
  !read
    ? Effect.succeed(known?.[kind])
    : Effect.flatMap(engine.get(key), (body) =>
      Effect.suspend(() => {
        const d = digester([kind])
        return Stream.runForEach(body.stream, (chunk) => Effect.sync(() => d.update(chunk))).pipe(
          Effect.map(() => d.digests()[kind])
        )
      }))

/** What a side knows of a file unread: S3 answers a HEAD with its ETag and stored CRC32; local disk knows nothing. */
const knownDigests = (engine: StorageEngineShape, key: string) =>
  engine.location._tag === "S3" ? Effect.map(engine.stat(key), (info) => info.digests) : Effect.succeed(undefined)

/**
 * Compares the content of each file on both sides by the cheapest strong check (see `comparisonFor`):
 * S3 bodies are read only when neither an MD5 ETag nor a stored CRC32 decides. Writes nothing.
 */
export const compareContents = Effect.fn("compareContents")(function*(
  source: StorageEngineShape,
  destination: StorageEngineShape,
  files: ReadonlyArray<ListedFile>,
  concurrency: number
) {
  const differing: Array<ListedFile> = []
  const failures: Array<SyncFailure> = []
  yield* Effect.forEach(files, (file) =>
    Effect.all([knownDigests(source, file.key), knownDigests(destination, file.key)], { concurrency: 2 }).pipe(
      Effect.flatMap(([a, b]) => {
        const { kind, readDestination, readSource } = comparisonFor(a, b)
        return Effect.all([
          digestOf(source, file.key, kind, a, readSource),
          digestOf(destination, file.key, kind, b, readDestination)
        ], { concurrency: 2 })
      }),
      Effect.flatMap(([a, b]) => Effect.sync(() => void (a !== b && differing.push(file)))),
      Effect.catch((error) => Effect.sync(() => void failures.push({ key: file.key, operation: "compare", message: error.message })))
    ), { concurrency, discard: true })
  return { differing, failures }
})

/**
 * Carries out a plan from one engine to another. Every write is atomic, so a sync killed at any moment
 * leaves only whole files, and running it again finishes the job without copying what is there.
 * Failures are collected per file instead of stopping the run.
 */
export const executeSync = Effect.fn("executeSync")(function*(
  source: StorageEngineShape,
  destination: StorageEngineShape,
  plan: SyncPlan,
  options: SyncOptions
) {
  const failures: Array<SyncFailure> = []
  const fail = (key: string, operation: SyncFailure["operation"]) => (error: StorageError) =>
    Effect.sync(() => void failures.push({ key, operation, message: error.message }))

  // With --checksum, same-size files whose content differs are copied too.
  const differing: Array<ListedFile> = []
  if (options.checksum) {
    const compared = yield* compareContents(source, destination, plan.unchanged, options.concurrency)
    differing.push(...compared.differing)
    failures.push(...compared.failures)
  }
  const toCopy = [...plan.copy, ...differing]
  const progress = yield* Ref.make<SyncProgress>({
    filesDone: 0,
    filesTotal: toCopy.length,
    bytesDone: 0,
    bytesTotal: toCopy.reduce((sum, f) => sum + f.size, 0),
    failed: 0
  })

  // Small files are read whole and sent in one request; a stream per file would cost more than its bytes.
  const copyBytes = (file: ListedFile) =>
    source.readSmall(file.key, LARGE_FILE).pipe(
      Effect.flatMap((small) =>
        small === undefined
          ? copyStreamed(file) // it grew past the limit since the listing
          : destination.put(file.key, small.bytes, { lastModified: small.info.lastModified })
      )
    )
  // Read in pieces of the upload part size, so parts go out as read, without being joined from small chunks.
  const copyStreamed = (file: ListedFile) =>
    source.get(file.key, undefined, { readSize: LARGE_FILE }).pipe(
      Effect.flatMap((body) => destination.put(file.key, body.stream, { lastModified: body.info.lastModified }))
    )
  const copyOne = (file: ListedFile) =>
    (file.size <= LARGE_FILE ? copyBytes(file) : copyStreamed(file)).pipe(
      Effect.andThen(Ref.update(progress, (p) => ({ ...p, filesDone: p.filesDone + 1, bytesDone: p.bytesDone + file.size }))),
      Effect.catch((error) => fail(file.key, "copy")(error).pipe(Effect.andThen(Ref.update(progress, (p) => ({ ...p, filesDone: p.filesDone + 1, failed: p.failed + 1 })))))
    )

  const report = options.onProgress === undefined ? Effect.void : Effect.flatMap(Ref.get(progress), options.onProgress)
  const reporter = yield* Effect.forkChild(Effect.forever(Effect.sleep("1 second").pipe(Effect.andThen(report))))
  yield* Effect.all([
    Effect.forEach(toCopy.filter((f) => f.size <= LARGE_FILE), copyOne, { concurrency: options.concurrency, discard: true }),
    Effect.forEach(toCopy.filter((f) => f.size > LARGE_FILE), copyOne, { concurrency: LARGE_CONCURRENCY, discard: true })
  ], { concurrency: 2, discard: true })

  let deleted = 0
  if (options.delete && plan.extra.length > 0) {
    yield* destination.delete(plan.extra.map((f) => f.key)).pipe(
      Effect.andThen(Effect.sync(() => void (deleted = plan.extra.length))),
      Effect.catch((error) => Effect.sync(() => void failures.push({ key: plan.extra[0]!.key, operation: "delete", message: error.message })))
    )
  }
  yield* report
  yield* Fiber.interrupt(reporter)
  const done = yield* Ref.get(progress)
  const result: SyncResult = {
    copied: done.filesDone - done.failed,
    bytes: done.bytesDone,
    deleted,
    unchanged: plan.unchanged.length - differing.length,
    failures
  }
  return result
})
