import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { Command } from "effect/cli"
import { cli } from "./cli.ts"

cli.pipe(
  Command.run({ version: "0.1.0" }),
  Effect.catchTag("CliFailure", (failure) => Console.error(failure.message).pipe(Effect.andThen(Effect.sync(() => process.exit(1))))),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain
)
