import { CliError } from "effect/cli"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** A failure of the CLI's own (a flag out of range, a lock held elsewhere), reported like every other. */
export class CliFailure extends Schema.TaggedError<CliFailure>()("CliFailure", {
  message: Schema.String
}) {}

/** Every error of ours carries a message that says what to fix: that message is what the user sees. */
const messageOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
    ? error.message
    : String(error)

/**
 * The CLI's one error mapping: whatever a command fails with is printed as its message alone on stderr, and
 * the exit status is 1. effect/cli's own errors (a missing argument, an unknown flag) were already printed
 * by `Command.run`, with the help, and are passed on as they were.
 */
export const reportFailures = <A, E, R>(program: Effect.Effect<A, E, R>) =>
  program.pipe(
    Effect.catch((error) =>
      CliError.isCliError(error)
        ? Effect.fail(error)
        : Console.error(messageOf(error)).pipe(Effect.andThen(Effect.sync(() => process.exit(1))))
    )
  )
