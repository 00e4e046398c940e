import { describeDatabase, describeSettings, formatRows, loadAllSettings, loadVariableRows } from "@immich-storage/core"
import { Command, Flag } from "effect/cli"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"

/**
 * `immich-storage config`: checks every variable (the server's too, as the server does at start), then prints
 * the effective storage configuration and the derived media location, then every variable with its value or
 * default (secrets masked).
 */
export const configCommand = Command.make(
  "config",
  { json: Flag.Boolean("json").pipe(Flag.withDescription("Print as JSON"), Flag.withDefault(false)) },
  Effect.fn("cli.config")(function*({ json }) {
    const settings = yield* loadAllSettings
    const variables = yield* loadVariableRows
    const summary = [...describeSettings(settings.storage), ["database", describeDatabase(settings.database)] as const]
    yield* Console.log(
      json
        ? JSON.stringify(Object.fromEntries([...summary, ...variables]), null, 2)
        : `${formatRows(summary)}\n\nVariables (as set, or the default):\n${formatRows(variables)}`
    )
  })
).pipe(Command.withDescription("Check every variable, then print the effective configuration (secrets masked)"))
