import * as Schema from "effect/Schema"
import type { SyncFailure } from "../sync/executeSync.ts"

/** The cut-over starts from the location the server saved: without one, it cannot know what to move. */
export class NoSavedLocation extends Schema.TaggedError<NoSavedLocation>()("NoSavedLocation", {}) {
  override get message(): string {
    return "The database has no saved media location: start the server once on the current storage first"
  }
}

/** The settings of the location the media goes to are incomplete or wrong. */
export class CutOverTargetNotConfigured extends Schema.TaggedError<CutOverTargetNotConfigured>()(
  "CutOverTargetNotConfigured",
  {
    target: Schema.String,
    problems: Schema.Array(Schema.Struct({ variable: Schema.String, problem: Schema.String }))
  }
) {
  override get message(): string {
    const problems = this.problems.map((p) => `  - ${p.variable} ${p.problem}`)
    return [`The target of --to ${this.target} is not configured:`, ...problems].join("\n")
  }
}

/** The bulk copy left files behind; nothing was switched, and a second run copies only those. */
export class BulkCopyFailed extends Schema.TaggedError<BulkCopyFailed>()("BulkCopyFailed", {
  failures: Schema.Array(Schema.Struct({ key: Schema.String, operation: Schema.String, message: Schema.String }))
}) {
  override get message(): string {
    const lines = this.failures.map((f) => `  ${f.key}: ${f.message}`)
    return [`${this.failures.length} files failed to copy; run the command again:`, ...lines].join("\n")
  }
}

/** After the final copy, the target still lacks files (or holds different ones): the paths stay as they are. */
export class CutOverVerificationFailed extends Schema.TaggedError<CutOverVerificationFailed>()(
  "CutOverVerificationFailed",
  { missing: Schema.Number, location: Schema.String }
) {
  override get message(): string {
    return `Verification failed: ${this.missing} files are missing or different at ${this.location}; ` +
      "nothing was switched. Run the command again."
  }
}

export type CutOverFailure = NoSavedLocation | CutOverTargetNotConfigured | BulkCopyFailed | CutOverVerificationFailed

/** A sync failure as the error carries it (a plain copy, so the error stays a value). */
export const failureData = (failures: ReadonlyArray<SyncFailure>) =>
  failures.map(({ key, message, operation }) => ({ key, operation, message }))
