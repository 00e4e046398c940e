import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { Command, Flag } from "effect/cli"
import { describeSettings, formatRows, loadStorageSettings } from "@immich-storage/core"

/** `immich-storage config`: the effective configuration (secrets masked) and the derived media location. */
export const configCommand = Command.make(
  "config",
  { json: Flag.Boolean("json").pipe(Flag.withDescription("Print as JSON"), Flag.withDefault(false)) },
  Effect.fn("cli.config")(function*({ json }) {
    const settings = yield* loadStorageSettings
    const rows = describeSettings(settings)
    yield* Console.log(json ? JSON.stringify(Object.fromEntries(rows), null, 2) : formatRows(rows))
  })
).pipe(Command.withDescription("Print the effective storage configuration (secrets masked) and the media location"))
