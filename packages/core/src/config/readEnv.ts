import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/**
 * Reads the named variables through Effect's ConfigProvider (so tests and the CLI can supply their own
 * environment) into a record holding only the variables that are set.
 */
export const readEnv = <const Name extends string>(
  names: ReadonlyArray<Name>
): Effect.Effect<Partial<Record<Name, string>>, Config.ConfigError> =>
  Config.all(Object.fromEntries(names.map((name) => [name, Config.option(Config.String(name))]))).pipe(
    Effect.map((values) => {
      const env: Partial<Record<Name, string>> = {}
      for (const [name, value] of Object.entries(values) as Array<[Name, Option.Option<string>]>) {
        if (Option.isSome(value)) env[name] = value.value
      }
      return env
    })
  )
