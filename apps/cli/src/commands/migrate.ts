import { CutOver } from "@immich-storage/core"
import type { CutOverOutcome, CutOverStep, CutOverTarget } from "@immich-storage/core"
import { Command, Flag } from "effect/cli"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { endProgress, progressPrinter } from "../progress.ts"
import { checkListConcurrency, listConcurrencyFlag } from "./listConcurrency.ts"
import { formatRewriteReport } from "./migratePaths.ts"

interface MigrateFlags {
  readonly to: CutOverTarget
  readonly final: boolean
  readonly delete: boolean
  readonly concurrency: number
}

/** Each step as it happens; a copy's line ends its progress bar first. */
const printStep = (flags: MigrateFlags) => (step: CutOverStep): Effect.Effect<void> => {
  switch (step._tag) {
    case "Copying":
      return Console.log(`Copying ${step.from} → ${step.to} ...`)
    case "Copied": {
      const { copied, deleted, unchanged } = step.result
      const line = step.pass === "bulk"
        ? `Bulk copy: ${copied} files copied, ${unchanged} already there.`
        : `Final copy: ${copied} files copied, ${unchanged} already there${flags.delete ? `, ${deleted} deleted` : ""}.`
      return Effect.sync(endProgress).pipe(Effect.andThen(Console.log(line)))
    }
    case "Verified":
      return Console.log(`Verified: all ${step.files} files are at ${step.location}.`)
    case "Rewritten":
      return Console.log(formatRewriteReport(step.report))
  }
}

const printOutcome = (flags: MigrateFlags, outcome: CutOverOutcome) => {
  switch (outcome._tag) {
    case "AlreadyThere":
      return Console.log(`The media is already at ${outcome.location}. Nothing to do.`)
    case "ServerRunning":
      return Console.log([
        "The server is still running (it is connected to the database), so new uploads may still arrive.",
        `Stop it, then run: immich-storage migrate --to ${flags.to}${flags.delete ? " --delete" : ""}`,
        "(or add --final if it is stopped but the database still shows its connections)."
      ].join("\n"))
    case "Switched":
      return Console.log([
        "",
        "Done. Set this environment for the server, then start it:",
        ...outcome.environment.map((l) => `  ${l}`),
        `The files at ${outcome.from} are untouched; delete them once you are happy ` +
        `(the way back: immich-storage migrate --to ${flags.to === "s3" ? "local" : "s3"}).`
      ].join("\n"))
  }
}

/**
 * `immich-storage migrate --to s3|local [--final] [--delete]`: the guided cut-over (core's `CutOver`). While
 * the server runs, a bulk copy; once it is stopped (checked through the database, or asserted with --final)
 * the final copy, a verification, and the path rewrite; then the environment to set. The way back is the
 * same command with the other target.
 */
export const migrateCommand = Command.make(
  "migrate",
  {
    to: Flag.Literals("to", ["s3", "local"]).pipe(Flag.withDescription("Where the media goes")),
    final: Flag.Boolean("final").pipe(
      Flag.withDescription("The server is stopped: do the final copy and switch the paths"),
      Flag.withDefault(false)
    ),
    delete: Flag.Boolean("delete").pipe(
      Flag.withDescription("In the final copy, delete target files the source lacks"),
      Flag.withDefault(false)
    ),
    concurrency: Flag.Int("concurrency").pipe(Flag.withDefault(32)),
    listConcurrency: listConcurrencyFlag
  },
  Effect.fn("cli.migrate")(function*(flags) {
    yield* checkListConcurrency(flags.listConcurrency)
    const outcome = yield* (yield* CutOver).run({
      to: flags.to,
      serverStopped: flags.final,
      delete: flags.delete,
      concurrency: flags.concurrency,
      listConcurrency: flags.listConcurrency,
      onStep: printStep(flags),
      // The copies show sync's progress (a bar on a terminal, a line per second otherwise) on stderr.
      progressFor: () => progressPrinter(Date.now())
    })
    yield* printOutcome(flags, outcome)
  })
).pipe(
  Command.withDescription("Move the media to S3 or back to local disk: bulk copy, final copy, verify, switch the paths")
)
