import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { loadDotEnv, PACKAGE_VERSION } from "@immich-storage/core"
import { Command } from "effect/cli"
import * as Effect from "effect/Effect"
import { cli } from "./cli.ts"
import { reportFailures } from "./CliFailure.ts"

// `.env` first: every setting is read after it (the environment still wins over the file).
loadDotEnv(process.cwd()).pipe(
  Effect.andThen(cli.pipe(Command.run({ version: PACKAGE_VERSION }))),
  reportFailures,
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain
)
