import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { UploadGate } from "../src/http/UploadGate.ts"

describe("UploadGate", () => {
  it.live("close interrupts uploads in progress and returns once each has cleaned up", () =>
    Effect.gen(function*() {
      const gate = yield* UploadGate
      const started = yield* Deferred.make<void>()
      let cleanedUp = false
      const upload = Deferred.succeed(started, undefined).pipe(
        Effect.andThen(Effect.never),
        // A slow clean-up (deleting what was written): close must wait for it, however long it takes.
        Effect.onInterrupt(() =>
          Effect.sleep("150 millis").pipe(Effect.andThen(Effect.sync(() => void (cleanedUp = true))))
        )
      )
      const fiber = yield* Effect.forkChild(gate.track(upload))
      yield* Deferred.await(started)
      const startedAt = Date.now()
      yield* gate.close
      assert.isTrue(cleanedUp)
      assert.isBelow(Date.now() - startedAt, 5_000)
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(exit._tag === "Failure" && JSON.stringify(exit.cause).includes("ShuttingDown"))
    }).pipe(Effect.provide(UploadGate.layer)))

  it.live("refuses uploads after close, and closes at once when none runs", () =>
    Effect.gen(function*() {
      const gate = yield* UploadGate
      yield* gate.close
      const refused = yield* gate.track(Effect.succeed("stored")).pipe(Effect.flip)
      assert.strictEqual(refused._tag, "ShuttingDown")
    }).pipe(Effect.provide(UploadGate.layer)))
})
