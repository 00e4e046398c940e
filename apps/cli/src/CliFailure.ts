import { Schema } from "effect"

/** A failure the CLI reports as its message alone, then exits 1. */
export class CliFailure extends Schema.TaggedError<CliFailure>()("CliFailure", {
  message: Schema.String
}) {}
