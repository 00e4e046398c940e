import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ShuttingDown } from "./ApiError.ts"

/** How long a shutdown waits for interrupted uploads to clean up before the engine and pool close anyway. */
const CLEAN_UP_GRACE = "30 seconds"

/**
 * Uploads in progress, so that a shutdown can cut them short. Downloads and other requests are left to
 * finish (Node's server.close waits for them), but an upload may take hours: on shutdown each one is
 * interrupted, which aborts its write (no temp file, no multipart upload) and deletes what it stored,
 * and its client gets 503. `close` returns once every upload has cleaned up after itself.
 */
export class UploadGate extends Context.Service<UploadGate, {
  readonly track: <A, E, R>(upload: Effect.Effect<A, E, R>) => Effect.Effect<A, E | ShuttingDown, R>
  readonly close: Effect.Effect<void>
}>()("@immich-storage/server/UploadGate") {
  static readonly layer: Layer.Layer<UploadGate> = Layer.effect(
    UploadGate,
    Effect.gen(function*() {
      const closing = yield* Deferred.make<void>()
      // Completed by the last upload to finish once the gate is closing (or by `close` when none runs).
      const drained = yield* Deferred.make<void>()
      let active = 0
      const enter = Effect.sync(() => void active++)
      const leave = Effect.suspend(() => {
        active--
        return active === 0 && Deferred.isDoneUnsafe(closing) ? Deferred.succeed(drained, undefined) : Effect.void
      })
      const shuttingDown = Effect.fail(new ShuttingDown())
      const track = <A, E, R>(upload: Effect.Effect<A, E, R>): Effect.Effect<A, E | ShuttingDown, R> =>
        Effect.acquireUseRelease(
          enter,
          () =>
            Effect.raceFirst(
              Effect.flatMap(
                Deferred.isDone(closing),
                (closed): Effect.Effect<A, E | ShuttingDown, R> => (closed ? shuttingDown : upload)
              ),
              Deferred.await(closing).pipe(Effect.andThen(shuttingDown))
            ),
          () => leave
        )
      const close = Effect.gen(function*() {
        yield* Deferred.succeed(closing, undefined)
        if (active === 0) return
        yield* Effect.logInfo(`Shutting down: interrupting ${active} upload(s) in progress`)
        // The interrupted uploads clean up (abort writes, delete objects) before the engine and pool close.
        yield* Deferred.await(drained).pipe(Effect.timeoutOption(CLEAN_UP_GRACE))
      })
      return UploadGate.of({ track, close })
    })
  )

  /** Closes the gate when the scope it is built in closes: build it after (above) the HTTP server. */
  static readonly closeOnShutdown: Layer.Layer<never, never, UploadGate> = Layer.effectDiscard(
    Effect.gen(function*() {
      const gate = yield* UploadGate
      yield* Effect.addFinalizer(() => gate.close)
    })
  )
}
