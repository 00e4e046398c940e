import { assert, describe, it } from "@effect/vitest"
import { compareKeys, localLocation, makeLocalEngine, syncEngines, verifyEngines } from "@immich-storage/core"
import type { Difference, PlanEntry, StorageEngineShape } from "@immich-storage/core"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { makeTestS3Engine, randomData, tempDirScoped } from "../engine/helpers.ts"

// verify and a dry run report as the plan streams, in key order, instead of holding it to sort at the end.

const local = Effect.flatMap(
  tempDirScoped,
  (dir) =>
    Effect.map(makeLocalEngine(localLocation(`${dir.path}/media`)), (engine) => ({ engine, root: `${dir.path}/media` }))
)

const syncOptions = { delete: false, checksum: false, concurrency: 4, excludes: [] as Array<string>, dryRun: false }
const KEYS = Array.from({ length: 60 }, (_, i) => `thumbs/u/${String(i).padStart(2, "0")}/t.webp`)
/** Objects the destination lists before it waits for the first report (its listing pages hold 5). */
const HELD_AT = 30

/**
 * The destination, listing in pages of 5 and stopping at its 30th object until `reported` (or 5 seconds):
 * a report made only once both listings ended would come after "listing ended".
 */
const heldListing = (engine: StorageEngineShape, reported: Deferred.Deferred<void>, events: Array<string>) => ({
  ...engine,
  list: (prefix: string, options?: { readonly concurrency?: number | undefined }) => {
    let listed = 0
    return engine.list(prefix, options).pipe(
      Stream.tap(() =>
        ++listed === HELD_AT
          ? Deferred.await(reported).pipe(Effect.timeoutOption("5 seconds"), Effect.asVoid)
          : Effect.void
      ),
      Stream.onEnd(Effect.sync(() => void events.push("listing ended")))
    )
  }
})

/** A local source and an S3 copy of it; then keys 03 and 41 are edited (same size), 05 removed, 50 resized. */
const differingPair = Effect.gen(function*() {
  const { engine: disk, root } = yield* local
  const { engine: s3 } = yield* makeTestS3Engine({ engine: { listPageSize: 5 } })
  yield* Effect.forEach(KEYS, (key) => disk.put(key, randomData(200)), { concurrency: 8, discard: true })
  yield* syncEngines(disk, s3, syncOptions)
  yield* Effect.promise(async () => {
    for (const key of [KEYS[3]!, KEYS[41]!]) {
      const file = path.join(root, key)
      await fs.writeFile(file, randomData(200))
      await fs.utimes(file, new Date(0), new Date(0))
    }
    await fs.rm(path.join(root, KEYS[5]!))
    await fs.writeFile(path.join(root, KEYS[50]!), randomData(300))
  })
  return { disk, s3 }
})

describe("streamed reports", () => {
  it.live(
    "verify --checksum reports each difference as found, in key order, before the listing ends",
    () =>
      Effect.gen(function*() {
        const { disk, s3 } = yield* differingPair
        const reported = yield* Deferred.make<void>()
        const events: Array<string> = []
        const found: Array<Difference> = []
        const onDifference = (d: Difference) =>
          Effect.sync(() => {
            found.push(d)
            events.push(`difference ${d.key}`)
          }).pipe(Effect.andThen(Deferred.succeed(reported, undefined)))
        const destination = heldListing(s3, reported, events)
        const counts = yield* verifyEngines(disk, destination, { checksum: true, concurrency: 4, onDifference })
        assert.deepStrictEqual(found, [
          { _tag: "Different", key: KEYS[3]!, why: "content" },
          { _tag: "Extra", key: KEYS[5]! },
          { _tag: "Different", key: KEYS[41]!, why: "content" },
          { _tag: "Different", key: KEYS[50]!, why: "size" }
        ])
        assert.deepStrictEqual(counts, { differences: 4, same: KEYS.length - 4 })
        assert.strictEqual(events[0], `difference ${KEYS[3]}`, "the first difference came before the listing ended")
        assert.include(events, "listing ended")
      }),
    { timeout: 60_000 }
  )

  it.live(
    "a dry run hands out its plan as it streams, in key order, and keeps only the counts",
    () =>
      Effect.gen(function*() {
        const { disk, s3 } = yield* differingPair
        const reported = yield* Deferred.make<void>()
        const events: Array<string> = []
        const planned: Array<PlanEntry> = []
        const onPlanned = (entry: PlanEntry) =>
          Effect.sync(() => {
            planned.push(entry)
            if (entry._tag !== "Unchanged") events.push(`${entry._tag} ${entry.file.key}`)
          }).pipe(Effect.andThen(entry._tag === "Unchanged" ? Effect.void : Deferred.succeed(reported, undefined)))
        const destination = heldListing(s3, reported, events)
        const dry = yield* syncEngines(disk, destination, { ...syncOptions, dryRun: true, delete: true, onPlanned })
        const keys = planned.map((e) => e.file.key)
        assert.deepStrictEqual(keys, [...keys].sort(compareKeys), "in key order")
        assert.strictEqual(planned.length, KEYS.length)
        assert.strictEqual(events[0], `Extra ${KEYS[5]}`, "the first line came before the listing ended")
        assert.include(events, "listing ended")
        assert.deepStrictEqual(dry.counts, {
          copy: 1,
          copyBytes: 300,
          unchanged: KEYS.length - 2,
          extra: 1,
          excluded: 0
        })
        assert.isUndefined(dry.result)
      }),
    { timeout: 60_000 }
  )
})
