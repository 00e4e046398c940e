import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { Argument, Command, Flag } from "effect/cli"
import { compareContents, engineForBase, planEngines, syncEngines } from "@immich-storage/core"
import type { PlanCounts, SyncFailure, SyncResult } from "@immich-storage/core"
import { CliFailure } from "../CliFailure.ts"
import { endProgress, mib, progressPrinter } from "../progress.ts"

const summary = (plan: PlanCounts, result: SyncResult | undefined, dryRun: boolean) => ({
  dryRun,
  toCopy: plan.copy,
  toCopyBytes: plan.copyBytes,
  extra: plan.extra,
  excluded: plan.excluded,
  copied: result?.copied ?? 0,
  copiedBytes: result?.bytes ?? 0,
  deleted: result?.deleted ?? 0,
  unchanged: result?.unchanged ?? plan.unchanged,
  failures: result?.failures ?? ([] as ReadonlyArray<SyncFailure>)
})

export const syncCommand = Command.make(
  "sync",
  {
    source: Argument.String("source").pipe(Argument.withDescription("A local folder or s3://bucket/prefix")),
    destination: Argument.String("destination").pipe(Argument.withDescription("A local folder or s3://bucket/prefix")),
    delete: Flag.Boolean("delete").pipe(Flag.withDescription("Delete destination files the source lacks"), Flag.withDefault(false)),
    dryRun: Flag.Boolean("dry-run").pipe(Flag.withDescription("Print the plan, change nothing"), Flag.withDefault(false)),
    exclude: Flag.String("exclude").pipe(Flag.withDescription("Skip keys matching this glob (* and ?); repeatable"), Flag.atLeast(0)),
    concurrency: Flag.Int("concurrency").pipe(Flag.withDescription("Files copied at once"), Flag.withDefault(32)),
    checksum: Flag.Boolean("checksum").pipe(Flag.withDescription("Also compare the content of same-size files"), Flag.withDefault(false)),
    json: Flag.Boolean("json").pipe(Flag.withDescription("Print a machine-readable summary"), Flag.withDefault(false)),
    force: Flag.Boolean("force").pipe(
      Flag.withDescription("Let --delete proceed even when the source looks empty or unmounted"),
      Flag.withDefault(false)
    )
  },
  (flags) =>
    Effect.scoped(Effect.gen(function*() {
      if (flags.concurrency < 1) return yield* new CliFailure({ message: "--concurrency must be at least 1" })
      const source = yield* engineForBase(flags.source, { mustExist: true })
      const destination = yield* engineForBase(flags.destination, { mustExist: false, create: !flags.dryRun })
      const started = Date.now()
      const { counts, plan, result } = yield* syncEngines(source, destination, {
        delete: flags.delete,
        force: flags.force,
        dryRun: flags.dryRun,
        excludes: flags.exclude,
        concurrency: flags.concurrency,
        checksum: flags.checksum,
        ...(flags.json ? {} : { onProgress: progressPrinter(started) })
      })
      if (!flags.json) endProgress()
      const report = summary(counts, result, flags.dryRun)
      if (flags.json) yield* Console.log(JSON.stringify(report, null, 2))
      else if (plan !== undefined) {
        for (const f of plan.copy) yield* Console.log(`copy    ${f.key}  (${f.reason}, ${f.size} bytes)`)
        for (const f of plan.extra) yield* Console.log(`${flags.delete ? "delete" : "extra "}  ${f.key}`)
        yield* Console.log(`Dry run: would copy ${report.toCopy} files (${mib(report.toCopyBytes)})${flags.delete ? ` and delete ${report.extra}` : ""}; ${report.unchanged} up to date.`)
      } else {
        yield* Console.log(`Copied ${report.copied} files (${mib(report.copiedBytes)}), deleted ${report.deleted}, ${report.unchanged} up to date, in ${((Date.now() - started) / 1000).toFixed(1)} s.`)
      }
      if (report.failures.length > 0) {
        return yield* new CliFailure({
          message: `${report.failures.length} files failed; run the same command again to retry them:\n${report.failures.map((f) => `  ${f.operation} ${f.key}: ${f.message}`).join("\n")}`
        })
      }
    }))
).pipe(Command.withDescription("Copy what is new or changed from one location to another (local folder or s3://bucket/prefix)"))

export const verifyCommand = Command.make(
  "verify",
  {
    source: Argument.String("source"),
    destination: Argument.String("destination"),
    checksum: Flag.Boolean("checksum").pipe(Flag.withDescription("Also compare the content of same-size files"), Flag.withDefault(false))
  },
  (flags) =>
    Effect.scoped(Effect.gen(function*() {
      const source = yield* engineForBase(flags.source, { mustExist: true })
      const destination = yield* engineForBase(flags.destination, { mustExist: true })
      const plan = yield* planEngines(source, destination, [])
      const problems: Array<string> = []
      for (const f of plan.copy) problems.push(`${f.reason === "missing" ? "missing  " : "different"} ${f.key}${f.reason === "missing" ? "" : ` (${f.reason === "size" ? "size differs" : "newer at the source"})`}`)
      for (const f of plan.extra) problems.push(`extra     ${f.key}`)
      if (flags.checksum) {
        const { differing, failures } = yield* compareContents(source, destination, plan.unchanged, 32)
        for (const f of differing) problems.push(`different ${f.key} (content differs)`)
        for (const f of failures) problems.push(`unreadable ${f.key}: ${f.message}`)
      }
      if (problems.length > 0) return yield* new CliFailure({ message: `${problems.length} differences between ${flags.source} and ${flags.destination}:\n${problems.map((p) => `  ${p}`).join("\n")}` })
      yield* Console.log(`${flags.source} and ${flags.destination} hold the same ${plan.unchanged.length} files.`)
    }))
).pipe(Command.withDescription("List every missing, extra or different file between two locations; exit 1 if there is any"))
