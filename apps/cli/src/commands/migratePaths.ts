import {
  baseOf,
  columnLabel,
  describeInconsistency,
  loadStorageSettings,
  parseBase,
  PathMigrator
} from "@immich-storage/core"
import type { PathMigratorShape, RewriteReport } from "@immich-storage/core"
import { Command, Flag } from "effect/cli"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { CliFailure } from "../CliFailure.ts"

/** A base given on the command line must be one (an absolute path or s3://bucket/prefix). */
const validBase = (flag: string, base: string) => {
  const parsed = parseBase(base)
  return typeof parsed === "string"
    ? Effect.fail(new CliFailure({ message: `--${flag}: ${parsed}` }))
    : Effect.succeed(baseOf(parsed))
}

/**
 * Without --from: the location saved by the last start; in a database that never saved one, the base
 * its stored paths agree on (undefined when it holds none).
 */
const previousBase = (migrator: PathMigratorShape, target: string) =>
  Effect.gen(function*() {
    const saved = yield* migrator.savedLocation
    if (saved !== undefined) return saved
    const inference = yield* migrator.inferPreviousLocation
    if (inference._tag === "NoPaths") return undefined
    if (inference._tag === "Inconsistent") {
      return yield* new CliFailure({ message: describeInconsistency(inference, target) })
    }
    yield* Console.log(
      `No media location was saved; the previous one, ${inference.base}, was inferred from ` +
        `${inference.sampled} sampled paths`
    )
    return inference.base
  })

export const formatRewriteReport = (report: RewriteReport): string => {
  const rows = [
    ...report.columns.map((c) => [columnLabel(c), String(c.count)] as const),
    ["total", String(report.total)] as const
  ]
  const width = Math.max(...rows.map(([label]) => label.length))
  const verb = report.dryRun ? "Would rewrite" : "Rewrote"
  const dryRunNote = report.dryRun ? " (dry run: nothing changed)" : ""
  return [
    `${verb} paths from ${report.from} to ${report.to}${dryRunNote}`,
    ...rows.map(([label, count]) => `  ${label.padEnd(width)}  ${count.padStart(9)}`)
  ].join("\n")
}

/**
 * `immich-storage migrate-paths [--from <base>] [--to <base>] [--dry-run]`: rewrites every stored path
 * from one media location to another. --from defaults to the location saved by the last start (or,
 * in a database that never saved one, the base inferred from its stored paths), --to to the configured one.
 */
export const migratePathsCommand = Command.make(
  "migrate-paths",
  {
    from: Flag.String("from").pipe(
      Flag.withDescription("The old base (default: the location saved in the database, else inferred from its paths)"),
      Flag.optional
    ),
    to: Flag.String("to").pipe(
      Flag.withDescription("The new base (default: the configured media location)"),
      Flag.optional
    ),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription("Count what would change, change nothing"),
      Flag.withDefault(false)
    )
  },
  Effect.fn("cli.migratePaths")(function*({ dryRun, from, to }) {
    const migrator = yield* PathMigrator
    const target = Option.isSome(to)
      ? yield* validBase("to", to.value)
      : baseOf((yield* loadStorageSettings).location)
    const source = Option.isSome(from) ? yield* validBase("from", from.value) : yield* previousBase(migrator, target)
    if (source === undefined) return yield* Console.log("Nothing to do: the database holds no paths")
    if (source === target) return yield* Console.log(`Nothing to do: the paths are already under ${target}`)
    const report = yield* migrator.rewritePaths(source, target, { dryRun })
    yield* Console.log(formatRewriteReport(report))
  })
).pipe(Command.withDescription("Rewrite the file paths stored in the database from one media location to another"))
