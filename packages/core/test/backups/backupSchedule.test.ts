import { assert, describe, it } from "@effect/vitest"
import {
  localLocation,
  makeDatabase,
  makeLocalEngine,
  millisUntilNext,
  parseBackupEnv,
  problemsOf,
  runBackupSchedule
} from "@immich-storage/core"
import * as Cron from "effect/Cron"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import { freshDatabase, testDatabaseSettings } from "../db/helpers.ts"
import { tempDirScoped } from "../engine/helpers.ts"
import { backupsOn } from "./helpers.ts"

describe("backup settings", () => {
  it("defaults to Immich's: 02:00 every day, keep 14", () => {
    const defaults = { enabled: true, cron: "0 02 * * *", keepLast: 14 }
    assert.deepStrictEqual(parseBackupEnv({}), { ok: true, settings: defaults })
  })

  it("refuses a bad cron, keep count or switch, naming each variable", () => {
    const env = { DB_BACKUP_CRON: "every night", DB_BACKUP_KEEP_LAST: "0", DB_BACKUP_ENABLED: "sometimes" }
    const problems = problemsOf(parseBackupEnv(env))
    assert.deepStrictEqual(problems.map((p) => p.variable).sort(), [
      "DB_BACKUP_CRON",
      "DB_BACKUP_ENABLED",
      "DB_BACKUP_KEEP_LAST"
    ])
  })

  it("waits until the next scheduled time", () => {
    const cron = Cron.parseUnsafe("0 02 * * *", "UTC")
    assert.strictEqual(millisUntilNext(cron, new Date(Date.UTC(2026, 0, 1, 1, 0, 0))), 60 * 60 * 1000)
    assert.strictEqual(millisUntilNext(cron, new Date(Date.UTC(2026, 0, 1, 2, 0, 1))), 24 * 60 * 60 * 1000 - 1000)
  })
})

describe("backup schedule", () => {
  it.live("writes backups on its schedule", () =>
    Effect.gen(function*() {
      const dir = yield* tempDirScoped
      const engine = yield* makeLocalEngine(localLocation(`${dir.path}/media`))
      const { name } = yield* freshDatabase
      const db = yield* makeDatabase(testDatabaseSettings(name))
      const writer = yield* backupsOn(engine, db)
      const fiber = yield* Effect.forkChild(
        runBackupSchedule({ enabled: true, cron: "* * * * * *", keepLast: 1 }, writer)
      )
      let backups = 0
      for (let i = 0; i < 100 && backups === 0; i++) {
        yield* Effect.sleep("100 millis")
        backups = (yield* writer.list).length
      }
      yield* Fiber.interrupt(fiber)
      assert.strictEqual(backups, 1)
    }))

  it.live("logs a failed run, tries again at the next tick, and deletes no good backup", () =>
    Effect.gen(function*() {
      const dir = yield* tempDirScoped
      const engine = yield* makeLocalEngine(localLocation(`${dir.path}/media`))
      const { name } = yield* freshDatabase
      const db = yield* makeDatabase(testDatabaseSettings(name))
      const good = "immich-db-backup-20200101T020000-v1.0.0-pg15.1.sql.gz"
      yield* engine.put(`backups/${good}`, Buffer.from("an old good backup"))
      const broken = yield* backupsOn(engine, { ...db, settings: { ...db.settings, user: "no_such_role" } })
      const errors: Array<string> = []
      const capture = Logger.layer([Logger.make(({ logLevel, message }) => {
        if (logLevel === "Error") errors.push(String(Array.isArray(message) ? message.join(" ") : message))
      })])
      const fiber = yield* Effect.forkChild(
        runBackupSchedule({ enabled: true, cron: "* * * * * *", keepLast: 1 }, broken).pipe(Effect.provide(capture))
      )
      for (let i = 0; i < 60 && errors.length < 2; i++) yield* Effect.sleep("100 millis")
      yield* Fiber.interrupt(fiber)
      assert.isAtLeast(errors.length, 2)
      assert.include(errors[0]!, "Database backup failed")
      assert.include(errors[0]!, "no_such_role")
      assert.deepStrictEqual((yield* broken.list).map((f) => f.name), [good])
    }))
})
