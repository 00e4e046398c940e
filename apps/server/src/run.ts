import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { loadDotEnv } from "@immich-storage/core"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Runtime from "effect/Runtime"
import { serverLayer } from "./boot.ts"

/** Boot problems (configuration, storage, integrity) are printed as their own message, then exit 1. */
// `.env` first: every setting is read after it (the environment still wins over the file).
loadDotEnv(process.cwd()).pipe(
  Effect.andThen(Layer.launch(serverLayer)),
  Effect.catchCause((cause) => {
    const failure = cause.reasons.find((r) => r._tag === "Fail")
    const message = failure?._tag === "Fail"
      ? `immich-storage server cannot start:\n${failure.error.message}`
      : Cause.pretty(cause)
    return Console.error(message).pipe(Effect.andThen(Effect.sync(() => process.exit(1))))
  }),
  // SIGTERM/SIGINT interrupt the server after in-flight work is released: a clean stop, so exit 0.
  NodeRuntime.runMain({
    teardown: (exit, onExit) =>
      Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? onExit(0) : Runtime.defaultTeardown(exit, onExit)
  })
)
