import { assert, describe, it } from "@effect/vitest"
import { startS3Proxy } from "@immich-storage/testkit"
import type { S3ProxyOptions } from "@immich-storage/testkit"
import * as Effect from "effect/Effect"
import { inject } from "vitest"
import { makeTestS3Engine, randomData, readAll } from "../engine/helpers.ts"

const proxyScoped = (options: S3ProxyOptions) =>
  Effect.acquireRelease(
    Effect.promise(() => startS3Proxy(inject("s3Endpoint"), options)),
    (proxy) => Effect.promise(() => proxy.stop())
  )

/** Milliseconds `effect` takes. */
const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const started = performance.now()
    const value = yield* effect
    return { ms: performance.now() - started, value }
  })

// Times on a busy machine run long, never short: lower bounds are tight, upper bounds generous.
describe("the test proxy's network shape", () => {
  it.effect("delays every request by latencyMs before forwarding it", () =>
    Effect.gen(function*() {
      const plain = yield* proxyScoped({})
      const far = yield* proxyScoped({ latencyMs: 150 })
      const { bucket, engine: near } = yield* makeTestS3Engine({ endpoint: plain.endpoint })
      const { engine: distant } = yield* makeTestS3Engine({ endpoint: far.endpoint, bucket })
      yield* near.put("upload/a.jpg", Buffer.from("a"))
      const statFive = (engine: typeof near) => Effect.forEach([1, 2, 3, 4, 5], () => engine.stat("upload/a.jpg"))
      yield* statFive(near) // warms connections on both sides before timing
      const direct = yield* timed(statFive(near))
      const before = far.requests.length
      const delayed = yield* timed(statFive(distant))
      assert.strictEqual(far.requests.length - before, 5, "one request per stat")
      assert.isAtLeast(delayed.ms - direct.ms, 5 * 150 - 50)
      assert.isBelow(delayed.ms, 5 * 150 + 3000)
    }), { timeout: 60_000 })

  it.effect("caps response and request bodies at bytesPerSecond", () =>
    Effect.gen(function*() {
      const plain = yield* proxyScoped({})
      const narrow = yield* proxyScoped({ bytesPerSecond: 1024 * 1024 })
      const { bucket, engine: wide } = yield* makeTestS3Engine({ endpoint: plain.endpoint })
      const { engine: slow } = yield* makeTestS3Engine({ endpoint: narrow.endpoint, bucket })
      const body = randomData(768 * 1024) // 0.75 s at 1 MiB/s
      yield* wide.put("upload/big.jpg", body)
      const read = (engine: typeof wide) => Effect.flatMap(engine.get("upload/big.jpg"), (b) => readAll(b.stream))
      const direct = yield* timed(read(wide))
      const capped = yield* timed(read(slow))
      assert.deepStrictEqual(Buffer.compare(capped.value, Buffer.from(body)), 0, "the bytes arrive whole")
      assert.isAtLeast(capped.ms, 700)
      assert.isAtLeast(capped.ms - direct.ms, 500)
      assert.isBelow(capped.ms, 750 + 3000)
      const upload = yield* timed(slow.put("upload/up.jpg", body))
      assert.isAtLeast(upload.ms, 700)
      assert.strictEqual((yield* wide.stat("upload/up.jpg")).size, body.length)
    }), { timeout: 60_000 })
})
