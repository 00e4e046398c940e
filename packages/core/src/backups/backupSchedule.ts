import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Cron from "effect/Cron"
import * as Effect from "effect/Effect"
import type { BackupsShape } from "./Backups.ts"
import type { BackupSettings } from "./backupSettings.ts"

/** Milliseconds from `now` until the next time `cron` fires. */
export const millisUntilNext = (cron: Cron.Cron, now: Date): number =>
  Math.max(0, Cron.next(cron, now).getTime() - now.getTime())

/**
 * The backup job on its schedule, forever. Each run takes Immich's backup lock, so one instance of many
 * runs it. A failed run is logged with its cause and tried again at the next tick; it deletes nothing,
 * because retention runs only after a dump has succeeded.
 */
export const runBackupSchedule = (settings: BackupSettings, backups: BackupsShape) =>
  Effect.gen(function*() {
    const cron = Cron.parseUnsafe(settings.cron)
    yield* Effect.logInfo(`Database backups scheduled at "${settings.cron}", keeping the newest ${settings.keepLast}`)
    const runOnce = backups.run(settings.keepLast).pipe(
      Effect.asVoid,
      Effect.catchTag("BackupInProgress", () =>
        Effect.logInfo("Another instance is running the database backup; skipped here")),
      Effect.catchCause((cause) =>
        Cause.hasInterruptsOnly(cause)
          ? Effect.failCause(cause)
          : Effect.logError(
            `Database backup failed; it will be tried again at the next scheduled time: ${Cause.pretty(cause)}`
          )
      )
    )
    return yield* Effect.forever(Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      yield* Effect.sleep(millisUntilNext(cron, new Date(now)))
      yield* runOnce
    }))
  })
