import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { digester, digestsOfBytes } from "../engine/digests.ts"
import type { DigestKind, ObjectDigests } from "../engine/digests.ts"
import type { StorageError } from "../engine/errors.ts"
import type { StorageEngineShape } from "../engine/StorageEngine.ts"
import { comparisonFor, listedCheck } from "./contentComparison.ts"
import type { ListedSide } from "./contentComparison.ts"
import type { SyncFailure } from "./executeSync.ts"
import type { ListedFile } from "./syncPlan.ts"

/** The most of one file held in memory while it is hashed: smaller files are read in one piece. */
const HASH_PIECE = 1024 * 1024

/**
 * The digests of `kinds` of one file, read for them: a file of one piece or less in one read, a larger one
 * streamed in pieces, so a file is never held whole. Callers bound how many files are read at once.
 */
export const digestsByReading = (
  engine: StorageEngineShape,
  key: string,
  size: number,
  kinds: ReadonlyArray<DigestKind>
): Effect.Effect<ObjectDigests, StorageError> => {
  const streamed = Effect.flatMap(engine.get(key, undefined, { readSize: HASH_PIECE }), (body) =>
    Effect.suspend(() => {
      const d = digester(kinds)
      return Stream.runForEachArray(body.stream, (chunks) => Effect.sync(() => chunks.forEach(d.update))).pipe(
        Effect.map(() => d.digests())
      )
    }))
  if (size > HASH_PIECE) return streamed
  // It may have grown since the listing: then it is streamed after all.
  return Effect.flatMap(
    engine.readSmall(key, HASH_PIECE),
    (small) => small === undefined ? streamed : Effect.succeed(digestsOfBytes(small.bytes, kinds))
  )
}

const isLocal = (engine: StorageEngineShape) => engine.location._tag !== "S3"

/** What a side knows of a file unread: what was learnt already, else S3's HEAD (its ETag and stored CRC32). */
const knownDigests = (engine: StorageEngineShape, key: string, learnt: ObjectDigests | undefined) =>
  learnt !== undefined || isLocal(engine)
    ? Effect.succeed(learnt)
    : Effect.map(engine.stat(key), (info) => info.digests)

/** The exact comparison: a HEAD per S3 side, then the cheapest strong check (`comparisonFor`), reading as needed. */
const exactlyDiffers = (
  source: StorageEngineShape,
  destination: StorageEngineShape,
  file: ListedFile,
  learnt: { readonly source?: ObjectDigests; readonly destination?: ObjectDigests } = {}
) =>
  Effect.all([knownDigests(source, file.key, learnt.source), knownDigests(destination, file.key, learnt.destination)], {
    concurrency: 2
  }).pipe(
    Effect.flatMap(([a, b]) => {
      const { kind, readDestination, readSource } = comparisonFor(a, b)
      const digestOf = (engine: StorageEngineShape, known: ObjectDigests | undefined, read: boolean) =>
        read
          ? Effect.map(digestsByReading(engine, file.key, file.size, [kind]), (d) => d[kind])
          : Effect.succeed(known?.[kind])
      return Effect.all([digestOf(source, a, readSource), digestOf(destination, b, readDestination)], {
        concurrency: 2
      })
    }),
    Effect.map(([a, b]) => a !== b)
  )

const sideOf = (engine: StorageEngineShape, file: ListedFile | undefined): ListedSide => ({
  md5: file?.listedMd5,
  local: isLocal(engine)
})

/**
 * Whether one file's content differs between the sides (`file` as the source listed it, `there` as the
 * destination did), by the cheapest strong check: the listings' MD5s when they match (no request at all),
 * else the local side's MD5 against the other's listed one, else a HEAD and `comparisonFor` (see `listedCheck`).
 */
export const contentDiffers = (
  source: StorageEngineShape,
  destination: StorageEngineShape,
  file: ListedFile,
  there?: ListedFile
) => {
  const check = listedCheck(sideOf(source, file), sideOf(destination, there))
  switch (check._tag) {
    case "Same":
      return Effect.succeed(false)
    case "Exact":
      return exactlyDiffers(source, destination, file)
    case "HashLocal": {
      const local = check.side === "source" ? source : destination
      return Effect.flatMap(
        digestsByReading(local, file.key, file.size, ["md5"]),
        (digests) =>
          digests.md5 === check.md5
            ? Effect.succeed(false)
            // No proof either way: the exact way, with what was learnt (the MD5 read) so it is not read again.
            : exactlyDiffers(source, destination, file, { [check.side]: digests })
      )
    }
  }
}

/**
 * Compares the content of each file on both sides by the cheapest strong check (see `contentDiffers`),
 * knowing only the source's listing: S3 bodies are read only when neither an MD5 ETag nor a stored CRC32
 * decides. Writes nothing.
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
    contentDiffers(source, destination, file).pipe(
      Effect.flatMap((differs) => Effect.sync(() => void (differs && differing.push(file)))),
      Effect.catch((error) =>
        Effect.sync(() => void failures.push({ key: file.key, operation: "compare", message: error.message }))
      )
    ), { concurrency, discard: true })
  return { differing, failures }
})
