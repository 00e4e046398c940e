import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { Parsed } from "./envVariable.ts"
import { InvalidConfiguration } from "./InvalidConfiguration.ts"
import type { SettingProblem } from "./InvalidConfiguration.ts"
import { readEnv } from "./readEnv.ts"

/** The environment itself could not be read (a ConfigProvider failed); reported like any other problem. */
export const unreadableEnvironment = (error: { readonly message: string }) =>
  new InvalidConfiguration({ problems: [{ variable: "environment", problem: `could not be read: ${error.message}` }] })

/** Reads the named variables and parses them; any problem fails with all of them. */
export const loadFromEnv = <const Name extends string, T>(
  names: ReadonlyArray<Name>,
  parse: (env: Partial<Record<Name, string>>) => Parsed<T>
): Effect.Effect<T, InvalidConfiguration> =>
  readEnv(names).pipe(
    Effect.mapError(unreadableEnvironment),
    Effect.flatMap((env) => {
      const parsed = parse(env)
      return parsed.ok
        ? Effect.succeed(parsed.settings)
        : Effect.fail(new InvalidConfiguration({ problems: parsed.problems }))
    })
  )

/** Loads several groups of settings, and reports the problems of all of them together. */
export const loadAll = <const Loaders extends Record<string, Effect.Effect<unknown, InvalidConfiguration>>>(
  loaders: Loaders
): Effect.Effect<{ [K in keyof Loaders]: Effect.Success<Loaders[K]> }, InvalidConfiguration> =>
  Effect.gen(function*() {
    const settings: Record<string, unknown> = {}
    const problems: Array<SettingProblem> = []
    for (const [name, load] of Object.entries(loaders)) {
      const exit = yield* Effect.exit(load)
      if (Exit.isSuccess(exit)) settings[name] = exit.value
      else for (const reason of exit.cause.reasons) if (reason._tag === "Fail") problems.push(...reason.error.problems)
    }
    if (problems.length > 0) return yield* new InvalidConfiguration({ problems })
    return settings as { [K in keyof Loaders]: Effect.Success<Loaders[K]> }
  })
