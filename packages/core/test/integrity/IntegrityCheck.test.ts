import { assert, describe, it } from "@effect/vitest"
import { checkMediaIntegrity, localLocation, makeLocalEngine, STORAGE_FOLDERS } from "@immich-storage/core"
import type { StorageEngineShape } from "@immich-storage/core"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import { makeTestS3Engine, tempDirScoped } from "../engine/helpers.ts"

const engines: ReadonlyArray<
  { name: string; make: Effect.Effect<StorageEngineShape, unknown, import("effect").Scope.Scope> }
> = [
  { name: "local", make: Effect.flatMap(tempDirScoped, (dir) => makeLocalEngine(localLocation(`${dir.path}/media`))) },
  { name: "s3", make: Effect.map(makeTestS3Engine(), (s) => s.engine) }
]

const noFlags = { flagged: new Set<never>(), ignoreErrors: false }

for (const { make, name } of engines) {
  describe(`media integrity check (${name})`, () => {
    it.effect("writes a marker into every folder on the first start, and passes on the next", () =>
      Effect.gen(function*() {
        const engine = yield* make
        const first = yield* checkMediaIntegrity(engine, noFlags)
        assert.deepStrictEqual(first.checked, [...STORAGE_FOLDERS])
        const markers = (yield* Stream.runCollect(engine.list(""))).map((i) => i.key).sort()
        assert.deepStrictEqual(markers, STORAGE_FOLDERS.map((f) => `${f}/.immich`).sort())
        const second = yield* checkMediaIntegrity(engine, { flagged: new Set(first.checked), ignoreErrors: false })
        assert.deepStrictEqual(second.problems, [])
      }))

    it.effect("refuses to start when a folder lost its marker, naming the folder", () =>
      Effect.gen(function*() {
        const engine = yield* make
        yield* checkMediaIntegrity(engine, noFlags)
        yield* engine.delete(["upload/.immich"])
        const exit = yield* Effect.exit(checkMediaIntegrity(engine, noFlags))
        assert.isTrue(Exit.isFailure(exit))
        const error = Exit.isFailure(exit)
          ? (exit.cause.reasons[0] as { error: Error & { _tag: string } }).error
          : undefined
        assert.strictEqual(error?._tag, "MountCheckFailed")
        assert.include(error?.message ?? "", "Failed to read \"upload/.immich\"")
        assert.include(error?.message ?? "", "IMMICH_IGNORE_MOUNT_CHECK_ERRORS")
        assert.strictEqual(
          yield* Effect.exit(engine.stat("upload/.immich")).pipe(Effect.map(Exit.isFailure)),
          true,
          "no marker recreated"
        )
      }))

    it.effect("refuses a location that holds files but no markers (a wrong folder or prefix)", () =>
      Effect.gen(function*() {
        const engine = yield* make
        yield* engine.put("upload/someone-else/photo.jpg", Buffer.from("x"))
        const exit = yield* Effect.exit(checkMediaIntegrity(engine, noFlags))
        assert.isTrue(Exit.isFailure(exit))
      }))

    it.effect("refuses a flagged folder without marker, unless told to ignore it", () =>
      Effect.gen(function*() {
        const engine = yield* make
        const exit = yield* Effect.exit(
          checkMediaIntegrity(engine, { flagged: new Set(["thumbs"] as const), ignoreErrors: false })
        )
        assert.isTrue(Exit.isFailure(exit))
        const report = yield* checkMediaIntegrity(engine, { flagged: new Set(["thumbs"] as const), ignoreErrors: true })
        assert.deepStrictEqual(report.problems.map((p) => p.folder), ["thumbs"])
      }))
  })
}
