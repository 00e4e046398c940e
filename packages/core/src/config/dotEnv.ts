import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import { parseEnv } from "node:util"

export const DOT_ENV_FILE = ".env"

export interface DotEnvProblem {
  readonly line: number
  readonly problem: string
}

const ASSIGNMENT = /^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*=(.*)$/
const QUOTES = ["\"", "'", "`"]

/**
 * Lines a `.env` may hold: blank, `# comment`, `NAME=value` or `export NAME=value`, a quoted value
 * possibly spanning lines. Node's `parseEnv` skips anything else without a word, and a stray line can even
 * swallow the next assignment, so every other line is reported instead.
 */
export const dotEnvProblems = (text: string): ReadonlyArray<DotEnvProblem> => {
  const problems: Array<DotEnvProblem> = []
  const lines = text.split(/\r?\n/)
  let open: { quote: string; line: number } | undefined
  lines.forEach((line, i) => {
    if (open !== undefined) {
      if (line.includes(open.quote)) open = undefined
      return
    }
    if (line.trim() === "" || line.trimStart().startsWith("#")) return
    const value = ASSIGNMENT.exec(line)?.[1]?.trimStart()
    if (value === undefined) {
      const shown = line.length > 60 ? `${line.slice(0, 60)}…` : line
      problems.push({ line: i + 1, problem: `"${shown}" is not NAME=value (nor a # comment)` })
      return
    }
    const quote = QUOTES.find((q) => value.startsWith(q))
    if (quote !== undefined && !value.slice(1).includes(quote)) open = { quote, line: i + 1 }
  })
  if (open !== undefined) {
    problems.push({ line: open.line, problem: `opens a value with ${open.quote} that is never closed` })
  }
  return problems
}

export class InvalidDotEnv extends Schema.TaggedError<InvalidDotEnv>()("InvalidDotEnv", {
  file: Schema.String,
  problems: Schema.Array(Schema.Struct({ line: Schema.Number, problem: Schema.String }))
}) {
  override get message(): string {
    return [
      `${this.file} cannot be read; fix or remove these lines (nothing was read from it):`,
      ...this.problems.map(({ line, problem }) => (line === 0 ? `  - ${problem}` : `  - line ${line}: ${problem}`))
    ].join("\n")
  }
}

/**
 * Reads `.env` from `cwd`, when there is one, into `env` (`process.env`): a variable already set in the
 * environment wins over the file, as with docker compose and dotenv. Must run before any setting is read.
 * Returns the names taken from the file.
 */
export const loadDotEnv = (cwd: string, env: NodeJS.ProcessEnv = process.env) =>
  Effect.suspend(() => {
    const file = path.join(cwd, DOT_ENV_FILE)
    let text: string
    try {
      text = fs.readFileSync(file, "utf8")
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return Effect.succeed([])
      const problem = `cannot be opened (${String(error)})`
      return Effect.fail(new InvalidDotEnv({ file, problems: [{ line: 0, problem }] }))
    }
    const problems = dotEnvProblems(text)
    if (problems.length > 0) return Effect.fail(new InvalidDotEnv({ file, problems }))
    const taken: Array<string> = []
    for (const [name, value] of Object.entries(parseEnv(text))) {
      if (env[name] !== undefined) continue
      env[name] = value
      taken.push(name)
    }
    return Effect.succeed(taken)
  })
