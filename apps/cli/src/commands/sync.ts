import { engineForBase, syncEngines, verifyEngines } from "@immich-storage/core"
import type { Difference, PlanCounts, PlanEntry, SyncFailure, SyncResult } from "@immich-storage/core"
import { Argument, Command, Flag } from "effect/cli"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { CliFailure } from "../CliFailure.ts"
import { endProgress, mib, progressPrinter } from "../progress.ts"
import { checkListConcurrency, listConcurrencyFlag } from "./listConcurrency.ts"

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

const printed = (line: string | undefined) => (line === undefined ? Effect.void : Console.log(line))

const WHY = { size: "size differs", newer: "newer at the source", content: "content differs" } as const

/** One line of verify's report. */
const describeDifference = (d: Difference) => {
  switch (d._tag) {
    case "Missing":
      return `missing   ${d.key}`
    case "Different":
      return `different ${d.key} (${WHY[d.why]})`
    case "Extra":
      return `extra     ${d.key}`
    case "Unreadable":
      return `unreadable ${d.key}: ${d.message}`
  }
}

/** One line of a dry run's plan, printed as the plan streams (in key order); undefined for files left alone. */
const planLine = (entry: PlanEntry, deleting: boolean) => {
  switch (entry._tag) {
    case "Copy":
      return `copy    ${entry.file.key}  (${entry.reason}, ${entry.file.size} bytes)`
    case "Extra":
      return `${deleting ? "delete" : "extra "}  ${entry.file.key}`
    default:
      return undefined
  }
}

export const syncCommand = Command.make(
  "sync",
  {
    source: Argument.String("source").pipe(Argument.withDescription("A local folder or s3://bucket/prefix")),
    destination: Argument.String("destination").pipe(Argument.withDescription("A local folder or s3://bucket/prefix")),
    delete: Flag.Boolean("delete").pipe(
      Flag.withDescription("Delete destination files the source lacks"),
      Flag.withDefault(false)
    ),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription("Print the plan, change nothing"),
      Flag.withDefault(false)
    ),
    exclude: Flag.String("exclude").pipe(
      Flag.withDescription("Skip keys matching this glob (* and ?); repeatable"),
      Flag.atLeast(0)
    ),
    concurrency: Flag.Int("concurrency").pipe(Flag.withDescription("Files copied at once"), Flag.withDefault(32)),
    listConcurrency: listConcurrencyFlag,
    checksum: Flag.Boolean("checksum").pipe(
      Flag.withDescription("Also compare the content of same-size files"),
      Flag.withDefault(false)
    ),
    json: Flag.Boolean("json").pipe(Flag.withDescription("Print a machine-readable summary"), Flag.withDefault(false)),
    force: Flag.Boolean("force").pipe(
      Flag.withDescription("Let --delete proceed even when the source looks empty or unmounted"),
      Flag.withDefault(false)
    )
  },
  (flags) =>
    Effect.scoped(Effect.gen(function*() {
      if (flags.concurrency < 1) return yield* new CliFailure({ message: "--concurrency must be at least 1" })
      yield* checkListConcurrency(flags.listConcurrency)
      const source = yield* engineForBase(flags.source, { mustExist: true })
      const destination = yield* engineForBase(flags.destination, { mustExist: false, create: !flags.dryRun })
      const started = Date.now()
      const printPlan = flags.dryRun && !flags.json
      const { counts, result } = yield* syncEngines(source, destination, {
        delete: flags.delete,
        force: flags.force,
        dryRun: flags.dryRun,
        excludes: flags.exclude,
        concurrency: flags.concurrency,
        listConcurrency: flags.listConcurrency,
        checksum: flags.checksum,
        ...(flags.json ? {} : { onProgress: progressPrinter(started) }),
        ...(printPlan ? { onPlanned: (entry: PlanEntry) => printed(planLine(entry, flags.delete)) } : {})
      })
      if (!flags.json) endProgress()
      const report = summary(counts, result, flags.dryRun)
      if (flags.json) yield* Console.log(JSON.stringify(report, null, 2))
      else if (flags.dryRun) {
        const deleting = flags.delete ? ` and delete ${report.extra}` : ""
        yield* Console.log(
          `Dry run: would copy ${report.toCopy} files (${mib(report.toCopyBytes)})${deleting}; ` +
            `${report.unchanged} up to date.`
        )
      } else {
        const seconds = ((Date.now() - started) / 1000).toFixed(1)
        yield* Console.log(
          `Copied ${report.copied} files (${mib(report.copiedBytes)}), deleted ${report.deleted}, ` +
            `${report.unchanged} up to date, in ${seconds} s.`
        )
      }
      if (report.failures.length > 0) {
        const lines = report.failures.map((f) => `  ${f.operation} ${f.key}: ${f.message}`).join("\n")
        return yield* new CliFailure({
          message: `${report.failures.length} files failed; run the same command again to retry them:\n${lines}`
        })
      }
    }))
).pipe(
  Command.withDescription(
    "Copy what is new or changed from one location to another (local folder or s3://bucket/prefix)"
  )
)

export const verifyCommand = Command.make(
  "verify",
  {
    source: Argument.String("source"),
    destination: Argument.String("destination"),
    checksum: Flag.Boolean("checksum").pipe(
      Flag.withDescription("Also compare the content of same-size files"),
      Flag.withDefault(false)
    ),
    listConcurrency: listConcurrencyFlag
  },
  (flags) =>
    Effect.scoped(Effect.gen(function*() {
      yield* checkListConcurrency(flags.listConcurrency)
      const source = yield* engineForBase(flags.source, { mustExist: true })
      const destination = yield* engineForBase(flags.destination, { mustExist: true })
      // Each difference is printed as it is found, in key order; only the counts are kept.
      const { differences, same } = yield* verifyEngines(source, destination, {
        checksum: flags.checksum,
        concurrency: 32,
        listConcurrency: flags.listConcurrency,
        onDifference: (d) => Console.error(describeDifference(d))
      })
      if (differences > 0) {
        return yield* new CliFailure({
          message: `${differences} differences between ${flags.source} and ${flags.destination}.`
        })
      }
      yield* Console.log(`${flags.source} and ${flags.destination} hold the same ${same} files.`)
    }))
).pipe(
  Command.withDescription("List every missing, extra or different file between two locations; exit 1 if there is any")
)
