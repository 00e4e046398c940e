import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { digester } from "../engine/digests.ts"
import type { DigestKind, ObjectDigests } from "../engine/digests.ts"
import type { StorageEngineShape } from "../engine/StorageEngine.ts"
import { comparisonFor } from "./contentComparison.ts"
import type { SyncFailure } from "./executeSync.ts"
import type { ListedFile } from "./syncPlan.ts"

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

/** Whether one file's content differs between the sides, by the cheapest strong check (see `comparisonFor`). */
export const contentDiffers = (source: StorageEngineShape, destination: StorageEngineShape, key: string) =>
  Effect.all([knownDigests(source, key), knownDigests(destination, key)], { concurrency: 2 }).pipe(
    Effect.flatMap(([a, b]) => {
      const { kind, readDestination, readSource } = comparisonFor(a, b)
      return Effect.all([
        digestOf(source, key, kind, a, readSource),
        digestOf(destination, key, kind, b, readDestination)
      ], { concurrency: 2 })
    }),
    Effect.map(([a, b]) => a !== b)
  )

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
    contentDiffers(source, destination, file.key).pipe(
      Effect.flatMap((differs) => Effect.sync(() => void (differs && differing.push(file)))),
      Effect.catch((error) =>
        Effect.sync(() => void failures.push({ key: file.key, operation: "compare", message: error.message }))
      )
    ), { concurrency, discard: true })
  return { differing, failures }
})
