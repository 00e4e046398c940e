import { assert, describe, it } from "@effect/vitest"
import { deleteHazard, localLocation, makeLocalEngine, planSync, syncEngines } from "@immich-storage/core"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import { makeTestS3Engine, tempDirScoped } from "../engine/helpers.ts"

const at = new Date(0)
const f = (key: string) => ({ key, size: 1, lastModified: at })

describe("deleteHazard", () => {
  it("refuses to mirror an empty source, or one that lacks the destination's markers", () => {
    assert.include(deleteHazard(planSync([], [f("upload/a.jpg")]))!, "holds no files")
    assert.include(
      deleteHazard(planSync([f("thumbs/x.webp")], [f("upload/.immich"), f("upload/a.jpg"), f("thumbs/x.webp")]))!,
      "upload/.immich"
    )
    assert.isUndefined(
      deleteHazard(planSync([f("upload/.immich"), f("upload/a.jpg")], [f("upload/.immich"), f("upload/old.jpg")]))
    )
    assert.isUndefined(deleteHazard(planSync([], [])))
  })
})

describe("sync --delete safety", () => {
  it.effect("refuses to wipe the destination from an empty (unmounted) source, unless forced", () =>
    Effect.gen(function*() {
      const dir = yield* tempDirScoped
      const empty = yield* makeLocalEngine(localLocation(`${dir.path}/unmounted`))
      const { engine: bucket } = yield* makeTestS3Engine()
      yield* bucket.put("upload/.immich", Buffer.from("1"))
      yield* bucket.put("upload/u/a.jpg", Buffer.from("precious"))
      const options = { delete: true, checksum: false, concurrency: 4, excludes: [], dryRun: false }
      const refused = yield* Effect.exit(syncEngines(empty, bucket, options))
      assert.isTrue(Exit.isFailure(refused))
      assert.include(
        String(Exit.isFailure(refused) ? (refused.cause.reasons[0] as { error: Error }).error.message : ""),
        "--force"
      )
      assert.strictEqual((yield* Stream.runCollect(bucket.list(""))).length, 2, "nothing deleted")
      const forced = yield* syncEngines(empty, bucket, { ...options, force: true })
      assert.strictEqual(forced.result?.deleted, 2)
    }))
})
