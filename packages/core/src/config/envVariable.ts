import type { SettingProblem } from "./InvalidConfiguration.ts"

/** A value read from one variable, or what to change in it (the message follows the variable's name). */
export type Decoded<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly problem: string }

/**
 * One environment variable, declared once: every parser, `immich-storage config`, `example.env` and the
 * README's configuration table follow from (or are checked against) these declarations.
 */
export interface EnvVariable<Name extends string = string, A = unknown> {
  readonly name: Name
  /** The default, written as a user would write it; undefined when there is none or it depends on others. */
  readonly default: string | undefined
  /** The README's cell for the default, when it is not simply the default in backticks. */
  readonly defaultDoc?: string
  /** What it does, as the README's configuration table says it (Markdown). */
  readonly description: string
  /** Never printed or logged: `config` shows only whether it is set. */
  readonly secret: boolean
  /** Reads a set, non-blank value (already trimmed). */
  readonly decode: (text: string) => Decoded<A>
}

export const envVariable = <const Name extends string, A>(declaration: EnvVariable<Name, A>) => declaration

export const decoded = <A>(value: A): Decoded<A> => ({ ok: true, value })
export const refused = (problem: string): Decoded<never> => ({ ok: false, problem })

/** Text as it is (trimmed). */
export const asText = (text: string): Decoded<string> => decoded(text)

const BOOLEAN_VALUES: Record<string, boolean> = { true: true, false: false, "1": true, "0": false }

export const asBoolean = (text: string): Decoded<boolean> => {
  const value = BOOLEAN_VALUES[text.toLowerCase()]
  return value === undefined ? refused(`"${text}" is not a boolean; use true, false, 1 or 0`) : decoded(value)
}

/** One of `choices`, compared without case when `anyCase`; `hint` ends the message (`use local or s3`). */
export const asChoice = <const C extends string>(
  choices: ReadonlyArray<C>,
  what: string,
  hint: string,
  anyCase = true
) =>
(text: string): Decoded<C> => {
  const wanted = anyCase ? text.toLowerCase() : text
  const choice = choices.find((c) => c === wanted)
  return choice === undefined ? refused(`"${text}" ${what}; ${hint}`) : decoded(choice)
}

/** A whole number from `min` to `max`; `problem` says what was expected. */
export const asWholeNumber =
  (min: number, max: number, problem: (text: string) => string) => (text: string): Decoded<number> => {
    const value = Number(text)
    return /^\d+$/.test(text) && value >= min && value <= max ? decoded(value) : refused(problem(text))
  }

/** The settings of a group, or every problem found in it: the one shape every parser returns. */
export type Parsed<T> =
  | { readonly ok: true; readonly settings: T }
  | { readonly ok: false; readonly problems: ReadonlyArray<SettingProblem> }

/** The problems of a parse (none when it succeeded). */
export const problemsOf = <T>(parsed: Parsed<T>): ReadonlyArray<SettingProblem> => (parsed.ok ? [] : parsed.problems)

/** Raw values by name; unset or blank counts as unset. */
export type RawEnv = { readonly [name: string]: string | undefined }

/** Reads declared variables from a raw environment, collecting every problem instead of stopping at the first. */
export interface EnvReader {
  /** The value, the default's when unset; undefined when unset without a default, or refused (then reported). */
  readonly get: <A>(variable: EnvVariable<string, A>) => A | undefined
  /** Like `get`, for a rule of another group: a refused value is undefined and not reported twice. */
  readonly peek: <A>(variable: EnvVariable<string, A>) => A | undefined
  /** The trimmed text, undefined when unset or blank. */
  readonly text: (variable: EnvVariable) => string | undefined
  readonly report: (variable: EnvVariable | string, problem: string) => void
  readonly problems: ReadonlyArray<SettingProblem>
  /** `settings` when nothing was reported, else every problem. */
  readonly result: <T>(settings: () => T) => Parsed<T>
}

export const envReader = (env: RawEnv): EnvReader => {
  const problems: Array<SettingProblem> = []
  const report = (variable: EnvVariable | string, problem: string) => {
    problems.push({ variable: typeof variable === "string" ? variable : variable.name, problem })
  }
  const text = (variable: EnvVariable) => {
    const raw = env[variable.name]?.trim()
    return raw === undefined || raw === "" ? undefined : raw
  }
  const read = <A>(variable: EnvVariable<string, A>, reportRefusal: boolean): A | undefined => {
    const given = text(variable) ?? variable.default
    if (given === undefined) return undefined
    const value = variable.decode(given)
    if (value.ok) return value.value
    if (reportRefusal) report(variable, value.problem)
    return undefined
  }
  return {
    get: (variable) => read(variable, true),
    peek: (variable) => read(variable, false),
    text,
    report,
    problems,
    result: (settings) =>
      problems.length > 0 ? { ok: false, problems: [...problems] } : { ok: true, settings: settings() }
  }
}
