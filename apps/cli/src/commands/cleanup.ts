import {
  cleanLeftovers,
  cleanLeftoversExclusively,
  Database,
  describeLeftovers,
  DURATION_HINT,
  engineForBase,
  formatDuration,
  formatSize,
  HOUR_MS,
  loadLeftoverSettings,
  loadStorageSettings,
  makeEngine,
  parseDuration,
  summarizeLeftovers
} from "@immich-storage/core"
import type { LeftoverCandidate, LeftoverReport } from "@immich-storage/core"
import { Argument, Command, Flag } from "effect/cli"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { CliFailure } from "../CliFailure.ts"
import { CliLayers } from "../layers.ts"

const VERBS = { "temp-file": "temp file", "multipart-upload": "upload", "backup-temp": "backup" } as const

const line = (item: LeftoverCandidate, now: Date, dryRun: boolean) => {
  const size = item.size === undefined ? "" : `${formatSize(item.size)}, `
  const hours = (Math.max(0, now.getTime() - item.startedAt.getTime()) / HOUR_MS).toFixed(1)
  return `${dryRun ? "would remove" : "removed"}  ${VERBS[item.kind].padEnd(9)}  ${item.key}  (${size}${hours} h old)`
}

const asJson = (report: LeftoverReport) => ({
  ...report,
  olderThan: formatDuration(report.maxAgeMs),
  count: report.removed.length,
  bytes: summarizeLeftovers(report).bytes,
  removed: report.removed.map((item) => ({ ...item, startedAt: item.startedAt.toISOString() }))
})

/** The age from --older-than, else IMMICH_LEFTOVER_MAX_AGE, else a day. */
const maxAgeFrom = (olderThan: Option.Option<string>) =>
  Option.isNone(olderThan)
    ? loadLeftoverSettings.pipe(Effect.map((s) => s.maxAgeMs))
    : Effect.fromNullishOr(parseDuration(olderThan.value)).pipe(
      Effect.mapError(() =>
        new CliFailure({ message: `--older-than "${olderThan.value}" is not an age; ${DURATION_HINT}` })
      )
    )

/**
 * `immich-storage cleanup [location] [--older-than <duration>] [--dry-run] [--json]`: what the server does at
 * every start, now. Removing takes the server's clean-up lock (so it needs the database); a dry run does not.
 */
export const cleanupCommand = Command.make(
  "cleanup",
  {
    location: Argument.String("location").pipe(
      Argument.withDescription("A local folder or s3://bucket/prefix (default: the configured media location)"),
      Argument.optional
    ),
    olderThan: Flag.String("older-than").pipe(
      Flag.withDescription(
        "Only leftovers older than this: hours, or 24h, 90m, 7d (default: IMMICH_LEFTOVER_MAX_AGE, else 24h)"
      ),
      Flag.optional
    ),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription("List what would be removed, remove nothing"),
      Flag.withDefault(false)
    ),
    json: Flag.Boolean("json").pipe(Flag.withDescription("Print a machine-readable report"), Flag.withDefault(false))
  },
  ({ dryRun, json, location, olderThan }) =>
    Effect.scoped(Effect.gen(function*() {
      const maxAgeMs = yield* maxAgeFrom(olderThan)
      const engine = Option.isSome(location)
        ? yield* engineForBase(location.value, { mustExist: true })
        : yield* Effect.flatMap(loadStorageSettings, makeEngine)
      const now = new Date()
      const options = { maxAgeMs, now, dryRun }
      const report = dryRun
        ? yield* cleanLeftovers(engine, options)
        // The database only when removing: a dry run connects to nothing (and creates no database).
        : yield* Effect.gen(function*() {
          const result = yield* cleanLeftoversExclusively(engine, yield* Database, options)
          if (Option.isNone(result)) {
            return yield* new CliFailure({
              message: "Another instance is removing crash leftovers right now (it holds the clean-up lock); " +
                "try again in a moment"
            })
          }
          return result.value
        }).pipe(Effect.provide(CliLayers.database))
      if (json) yield* Console.log(JSON.stringify(asJson(report), null, 2))
      else {
        for (const item of report.removed) yield* Console.log(line(item, now, dryRun))
        yield* Console.log(`${describeLeftovers(report)}.`)
      }
      if (report.failed.length > 0) {
        return yield* new CliFailure({
          message: `${report.failed.length} leftovers could not be removed:\n` +
            report.failed.map((f) => `  ${f.key}: ${f.message}`).join("\n")
        })
      }
    }))
).pipe(Command.withDescription(
  "Remove crash leftovers (temp files, incomplete S3 uploads, unfinished backups) older than --older-than"
))
