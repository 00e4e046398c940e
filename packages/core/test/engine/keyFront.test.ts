import { assert, describe, it } from "@effect/vitest"
import { checkKey, localLocation, withKeyChecks } from "@immich-storage/core"
import type { EngineInternals } from "@immich-storage/core"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { failureOf } from "../failures.ts"

/**
 * An engine that only records what reaches it: a real engine cannot show what it was never asked, and
 * the point here is that refused keys never get past the front.
 */
const recordingEngine = () => {
  const calls: Array<string> = []
  const record = (call: string) => Effect.sync(() => void calls.push(call))
  const info = (key: string) => ({ key, size: 0, lastModified: new Date(0), etag: undefined })
  const engine: EngineInternals = {
    location: localLocation("/nowhere"),
    put: (key) => Effect.as(record(`put ${key}`), info(key)),
    get: (key) => Effect.as(record(`get ${key}`), { info: info(key), range: undefined, stream: Stream.empty }),
    readSmall: (key) => Effect.as(record(`readSmall ${key}`), undefined),
    stat: (key) => Effect.as(record(`stat ${key}`), info(key)),
    list: (prefix) => Stream.fromEffect(record(`list ${prefix}`)).pipe(Stream.drain),
    delete: (keys) => record(`delete ${keys.join(",")}`),
    copy: (from, to) => record(`copy ${from} ${to}`),
    listIncompleteWrites: (prefix) => Stream.fromEffect(record(`listIncompleteWrites ${prefix}`)).pipe(Stream.drain),
    removeIncompleteWrite: (_write, key) => record(`removeIncompleteWrite ${key}`)
  }
  return { calls, engine: withKeyChecks(engine) }
}

const BAD_KEYS = [
  "",
  "/etc/passwd",
  "../up.jpg",
  "a/../../b",
  "a//b",
  "a/./b",
  "trailing/",
  "nul\u0000.jpg",
  "x".repeat(1025)
]

describe("the engines' key front", () => {
  it.effect("refuses every key that could leave the location, in every method, before the engine sees it", () =>
    Effect.gen(function*() {
      const { calls, engine } = recordingEngine()
      const write = { kind: "temp-file", startedAt: new Date(0), size: 0 } as const
      for (const bad of BAD_KEYS) {
        const attempts = [
          engine.put(bad, new Uint8Array(0)),
          engine.get(bad),
          engine.readSmall(bad, 10),
          engine.stat(bad),
          engine.delete(["fine.jpg", bad]),
          engine.copy(bad, "fine.jpg"),
          engine.copy("fine.jpg", bad),
          engine.removeIncompleteWrite({ ...write, key: bad })
        ]
        for (const attempt of attempts)
          assert.strictEqual(failureOf(yield* Effect.exit(attempt))?._tag, "InvalidKey", JSON.stringify(bad))
        if (bad !== "") {
          assert.strictEqual(failureOf(yield* Effect.exit(Stream.runDrain(engine.list(bad))))?._tag, "InvalidKey")
          assert.strictEqual(
            failureOf(yield* Effect.exit(Stream.runDrain(engine.listIncompleteWrites(bad))))?._tag,
            "InvalidKey"
          )
        }
      }
      assert.deepStrictEqual(calls, [])
    }))

  it.effect("passes valid keys through unchanged, and the empty prefix for listings", () =>
    Effect.gen(function*() {
      const { calls, engine } = recordingEngine()
      const key = "upload/u/ab/cd/a photo ü+%#\n.jpg"
      yield* engine.put(key, new Uint8Array(0))
      yield* engine.stat(key)
      yield* engine.copy(key, "other/b.jpg")
      yield* engine.delete([key, "other/b.jpg"])
      yield* Stream.runDrain(engine.list(""))
      yield* Stream.runDrain(engine.listIncompleteWrites("upload"))
      assert.deepStrictEqual(calls, [
        `put ${key}`,
        `stat ${key}`,
        `copy ${key} other/b.jpg`,
        `delete ${key},other/b.jpg`,
        "list ",
        "listIncompleteWrites upload"
      ])
    }))

  it.effect("checkKey brands a valid key and says why it refuses another", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* checkKey("upload/a.jpg"), "upload/a.jpg")
      const refused = failureOf(yield* Effect.exit(checkKey("../a.jpg")))
      assert.strictEqual(refused?._tag, "InvalidKey")
      assert.include(refused?.message ?? "", "'..'")
    }))
})
