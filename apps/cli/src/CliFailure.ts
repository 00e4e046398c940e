import * as Schema from "effect/Schema"

/** A failure the CLI reports as its message alone, then exits 1. */
export class CliFailure extends Schema.TaggedError<CliFailure>()("CliFailure", {
  message: Schema.String
}) {}

/** Every error of ours carries a message that says what to fix: that message is what the user sees. */
export const toCliFailure = (error: { readonly message: string }): CliFailure =>
  error instanceof CliFailure ? error : new CliFailure({ message: error.message })
