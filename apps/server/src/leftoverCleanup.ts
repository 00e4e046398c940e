import {
  cleanLeftoversExclusively,
  Database,
  describeLeftovers,
  LeftoverConfig,
  StorageEngine
} from "@immich-storage/core"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"

/**
 * Removes crash leftovers (temp files, incomplete uploads) older than IMMICH_LEFTOVER_MAX_AGE, once per
 * start, under the clean-up's advisory lock so that one instance of many does it. It runs in the background:
 * on S3 it is one listing, but on local disk it walks every folder of the library, which can take minutes on
 * a large one, and nothing at boot depends on it. Ages are measured from this moment, before the routes
 * answer (until then every request gets 503), so no write of this process is ever taken for a leftover.
 */
export const leftoverCleanupLayer = Layer.effectDiscard(Effect.gen(function*() {
  const engine = yield* StorageEngine
  const db = yield* Database
  const { maxAgeMs } = yield* LeftoverConfig
  const now = new Date(yield* Clock.currentTimeMillis)
  yield* Effect.forkScoped(
    cleanLeftoversExclusively(engine, db, { maxAgeMs, now, dryRun: false }).pipe(
      Effect.flatMap(Option.match({
        onNone: () => Effect.logInfo("Another instance is removing crash leftovers; skipped here"),
        onSome: (report) => {
          const line = describeLeftovers(report)
          if (report.failed.length > 0) {
            return Effect.logWarning(`${line}:\n${report.failed.map((f) => `  ${f.key}: ${f.message}`).join("\n")}`)
          }
          return Effect.logInfo(line)
        }
      })),
      Effect.catchCause((cause) =>
        Cause.hasInterruptsOnly(cause)
          ? Effect.failCause(cause)
          : Effect.logError(`Removing crash leftovers failed; tried again at the next start: ${Cause.pretty(cause)}`)
      )
    )
  )
}))
