import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { Command, Flag } from "effect/cli"
import {
  activity,
  baseOf,
  Database,
  DatabaseConfig,
  engineForBase,
  PathMigrator,
  s3EnvironmentOf,
  storageSettingsWith,
  syncEngines
} from "@immich-storage/core"
import type { StorageSettings } from "@immich-storage/core"
import { CliFailure, toCliFailure } from "../CliFailure.ts"
import { endProgress, progressPrinter } from "../progress.ts"
import { formatRewriteReport } from "./migratePaths.ts"

/** Where the media goes: the S3_* variables for s3, IMMICH_MEDIA_LOCATION (default ./data) for local. */
const targetSettings = (engine: "s3" | "local") =>
  storageSettingsWith({ IMMICH_STORAGE_ENGINE: engine, ...(engine === "s3" ? { IMMICH_MEDIA_LOCATION: "" } : {}) }).pipe(
    Effect.mapError((error) => new CliFailure({ message: `The target of --to ${engine} is not configured:\n${error.problems.map((p) => `  - ${p.variable} ${p.problem}`).join("\n")}` }))
  )

/** Quotes a value for a shell and a `.env` file alike, when it needs quoting. */
const quoted = (value: string) => (/^[\w.,:/@+=-]*$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`)

/**
 * The environment the server needs after the switch: every S3 setting that is not the default, derived from
 * the settings themselves. The secret is referred to, never printed.
 */
export const environmentFor = (settings: StorageSettings): ReadonlyArray<string> =>
  settings.engine === "local"
    ? ["IMMICH_STORAGE_ENGINE=local", `IMMICH_MEDIA_LOCATION=${quoted(settings.location.root)}`]
    : [
      "IMMICH_STORAGE_ENGINE=s3",
      "# unset IMMICH_MEDIA_LOCATION (with s3 the location is derived)",
      ...s3EnvironmentOf(settings.s3).map(([name, value]) =>
        Redacted.isRedacted(value) ? `# ${name}: keep the one you have (not printed)` : `${name}=${quoted(value)}`
      ),
      ...(settings.s3.credentials === undefined ? ["# credentials: the AWS default chain"] : [])
    ]

/**
 * `immich-storage migrate --to s3|local [--final] [--delete]`: the guided cut-over. While the server runs,
 * a bulk copy; once it is stopped (checked through the database, or asserted with --final) the final
 * copy, a verification, and the path rewrite; then the environment to set. The way back is the same
 * command with the other target.
 */
export const migrateCommand = Command.make(
  "migrate",
  {
    to: Flag.Literals("to", ["s3", "local"]).pipe(Flag.withDescription("Where the media goes")),
    final: Flag.Boolean("final").pipe(Flag.withDescription("The server is stopped: do the final copy and switch the paths"), Flag.withDefault(false)),
    delete: Flag.Boolean("delete").pipe(Flag.withDescription("In the final copy, delete target files the source lacks"), Flag.withDefault(false)),
    concurrency: Flag.Int("concurrency").pipe(Flag.withDefault(32))
  },
  (flags) =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* Database
      const migrator = yield* PathMigrator
      const from = yield* migrator.savedLocation
      if (from === undefined) return yield* new CliFailure({ message: "The database has no saved media location: start the server once on the current storage first" })
      const target = yield* targetSettings(flags.to)
      const to = baseOf(target.location)
      if (from === to) return yield* Console.log(`The media is already at ${to}. Nothing to do.`)
      const source = yield* engineForBase(from, { mustExist: true })
      const destination = yield* engineForBase(to, { mustExist: false })
      const options = { concurrency: flags.concurrency, checksum: false, excludes: [] as Array<string>, dryRun: false }
      // The copies show sync's progress (a bar on a terminal, a line per second otherwise) on stderr.
      const copying = () => ({ ...options, onProgress: progressPrinter(Date.now()) })

      const running = !flags.final && (yield* activity.serverConnections(db.query)) > 0
      yield* Console.log(`Copying ${from} → ${to} ...`)
      // While the server runs, only the bulk copy: new uploads may still arrive. Once it is stopped, the
      // final copy is the only pass needed (a bulk pass first would list and compare everything twice).
      if (running) {
        const bulk = yield* syncEngines(source, destination, { ...copying(), delete: false })
        endProgress()
        yield* Console.log(`Bulk copy: ${bulk.result?.copied ?? 0} files copied, ${bulk.result?.unchanged ?? 0} already there.`)
        if ((bulk.result?.failures.length ?? 0) > 0) {
          return yield* new CliFailure({ message: `${bulk.result!.failures.length} files failed to copy; run the command again:\n${bulk.result!.failures.map((f) => `  ${f.key}: ${f.message}`).join("\n")}` })
        }
        return yield* Console.log([
          "The server is still running (it is connected to the database), so new uploads may still arrive.",
          `Stop it, then run: immich-storage migrate --to ${flags.to}${flags.delete ? " --delete" : ""}`,
          "(or add --final if it is stopped but the database still shows its connections)."
        ].join("\n"))
      }

      const delta = yield* syncEngines(source, destination, { ...copying(), delete: flags.delete })
      endProgress()
      yield* Console.log(`Final copy: ${delta.result?.copied ?? 0} files copied, ${delta.result?.unchanged ?? 0} already there${flags.delete ? `, ${delta.result?.deleted ?? 0} deleted` : ""}.`)
      const check = yield* syncEngines(source, destination, { ...options, delete: false, dryRun: true })
      const missing = check.plan.copy.length + (delta.result?.failures.length ?? 0)
      if (missing > 0) return yield* new CliFailure({ message: `Verification failed: ${missing} files are missing or different at ${to}; nothing was switched. Run the command again.` })
      yield* Console.log(`Verified: all ${check.plan.unchanged.length} files are at ${to}.`)

      const report = yield* migrator.rewritePaths(from, to, { dryRun: false })
      yield* Console.log(formatRewriteReport(report))
      yield* Console.log(["", "Done. Set this environment for the server, then start it:", ...environmentFor(target).map((l) => `  ${l}`),
        `The files at ${from} are untouched; delete them once you are happy (the way back: immich-storage migrate --to ${flags.to === "s3" ? "local" : "s3"}).`].join("\n"))
    })).pipe(
      Effect.provide(PathMigrator.layer.pipe(Layer.provideMerge(Database.layer), Layer.provide(DatabaseConfig.layer))),
      Effect.mapError(toCliFailure)
    )
).pipe(Command.withDescription("Move the media to S3 or back to local disk: bulk copy, final copy, verify, switch the paths"))
