import * as Schema from "effect/Schema"

/** One thing wrong in the environment: the variable, and what to change. */
export interface SettingProblem {
  readonly variable: string
  readonly problem: string
}

export class InvalidConfiguration extends Schema.TaggedError<InvalidConfiguration>()("InvalidConfiguration", {
  problems: Schema.Array(Schema.Struct({ variable: Schema.String, problem: Schema.String }))
}) {
  override get message(): string {
    const count = this.problems.length
    return [
      `The configuration has ${count} problem${count === 1 ? "" : "s"}:`,
      ...this.problems.map(({ problem, variable }) => `  - ${variable} ${problem}`)
    ].join("\n")
  }
}
