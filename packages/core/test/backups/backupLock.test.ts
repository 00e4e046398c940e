import { assert, describe, it } from "@effect/vitest"
import { BACKUP_LOCK_ID, localLocation, makeDatabase, makeLocalEngine } from "@immich-storage/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { freshDatabase, testDatabaseSettings } from "../db/helpers.ts"
import { tempDirScoped } from "../engine/helpers.ts"
import { failureOf } from "../failures.ts"
import { backupsOn } from "./helpers.ts"

const OLD = "immich-db-backup-20200101T020000-v1.0.0-pg15.1.sql.gz"
const OLDER = "immich-db-backup-20190101T020000-v1.0.0-pg15.1.sql.gz"

const setUp = Effect.gen(function*() {
  const dir = yield* tempDirScoped
  const engine = yield* makeLocalEngine(localLocation(`${dir.path}/media`))
  const { name } = yield* freshDatabase
  const backups = yield* backupsOn(engine, yield* makeDatabase(testDatabaseSettings(name)))
  // Another session on the same database: another instance of the server, or the CLI.
  const other = yield* makeDatabase(testDatabaseSettings(name))
  for (const n of [OLD, OLDER]) yield* engine.put(`backups/${n}`, Buffer.from(n))
  const keys = Effect.map(Stream.runCollect(engine.list("backups")), (objects) => objects.map((o) => o.key).sort())
  return { backups, other, keys }
})

describe("Backups under the backup lock", () => {
  it.effect("refuses to write or thin out backups while another session holds the lock, and touches nothing", () =>
    Effect.gen(function*() {
      const { backups, keys, other } = yield* setUp
      const before = yield* keys
      const errorOf = <A, E>(effect: Effect.Effect<A, E>) => Effect.map(Effect.exit(effect), (exit) => failureOf(exit))
      const refusals = yield* other.withTryLock(
        BACKUP_LOCK_ID,
        Effect.all([
          errorOf(backups.create),
          errorOf(backups.run(1)),
          errorOf(backups.prune(1)),
          errorOf(backups.cleanUp),
          errorOf(backups.pruneAndCleanUp(1))
        ])
      )
      assert.isTrue(Option.isSome(refusals))
      for (const error of Option.getOrThrow(refusals)) {
        assert.strictEqual(error?._tag, "BackupInProgress")
        assert.include(error?.message ?? "", "try again in a moment")
      }
      assert.deepStrictEqual(yield* keys, before)
      // Once the lock is free, the same call runs.
      assert.deepStrictEqual(yield* backups.pruneAndCleanUp(1), { deleted: [OLDER], cleaned: 0 })
    }))

  it.effect("deletes backups by name, refusing first any name that is not a backup in backups/", () =>
    Effect.gen(function*() {
      const { backups, keys } = yield* setUp
      for (const refused of ["../upload/x.sql.gz", "photo.jpg", "sub/immich-db-backup-1.sql.gz"]) {
        const error = failureOf(yield* Effect.exit(backups.delete([OLD, refused])))
        assert.strictEqual(error?._tag, "NotABackupName")
        assert.include(error?.message ?? "", "is not a backup file name")
      }
      assert.deepStrictEqual(yield* keys, [`backups/${OLDER}`, `backups/${OLD}`].sort())
      yield* backups.delete([OLD])
      assert.deepStrictEqual((yield* backups.list).map((f) => f.name), [OLDER])
    }))
})
