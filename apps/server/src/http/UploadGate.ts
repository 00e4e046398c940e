import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ShuttingDown } from "./ApiError.ts"

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
      let active = 0
      const track = <A, E, R>(upload: Effect.Effect<A, E, R>): Effect.Effect<A, E | ShuttingDown, R> =>
        Effect.acquireUseRelease(
          Effect.sync(() => void active++),
          () =>
            Effect.raceFirst(
              Effect.flatMap(Deferred.isDone(closing), (closed): Effect.Effect<A, E | ShuttingDown, R> => (closed ? Effect.fail(new ShuttingDown()) : upload)),
              Deferred.await(closing).pipe(Effect.andThen(Effect.fail(new ShuttingDown())))
            ),
          () => Effect.sync(() => void active--)
        )
      const close = Effect.gen(function*() {
        yield* Deferred.succeed(closing, undefined)
        if (active > 0) yield* Effect.logInfo(`Shutting down: interrupting ${active} upload(s) in progress`)
        // The interrupted uploads clean up (abort writes, delete objects) before the engine and pool close.
        for (let waited = 0; active > 0 && waited < 30_000; waited += 20) yield* Effect.sleep(20)
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
