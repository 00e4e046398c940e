import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { makeFsAccess } from "../../src/engine/localFsAccess.ts"
import { tempDirScoped } from "./helpers.ts"

/** A folder of `count` files, file i holding i bytes, and the paths to stat: every tenth is no path. */
const folderOf = (count: number) =>
  Effect.gen(function*() {
    const dir = yield* tempDirScoped
    const paths: Array<string | undefined> = []
    for (let i = 0; i < count; i++) {
      const file = path.join(dir.path, `f${i}`)
      yield* Effect.promise(() => fs.writeFile(file, Buffer.alloc(i)))
      paths.push(i % 10 === 0 ? undefined : file)
    }
    return paths
  })

const sizesOf = (paths: ReadonlyArray<string | undefined>) => paths.map((p, i) => (p === undefined ? undefined : i))

describe("local storage access (the walk's)", () => {
  it.effect("stats a large folder synchronously, and turns to the thread pool part-way once judged slow", () =>
    Effect.gen(function*() {
      const paths = yield* folderOf(2000)
      // No stat takes under 1e-9 ms: every window of 256 stats counts as slow, and the third
      // (about 800 paths in) makes the storage slow.
      const access = makeFsAccess(1e-9)
      const stats = access.statMany(paths)
      assert.instanceOf(stats, Promise)
      assert.isTrue(access.slow())
      const resolved = yield* Effect.promise(() => stats)
      assert.deepStrictEqual(resolved.map((s) => s?.size), sizesOf(paths))
    }))

  it.effect("stays synchronous (no promise) while the storage answers fast", () =>
    Effect.gen(function*() {
      const paths = yield* folderOf(600)
      const access = makeFsAccess(1e9)
      const stats = access.statMany(paths)
      assert.isArray(stats)
      assert.deepStrictEqual((stats as Array<{ size: number } | undefined>).map((s) => s?.size), sizesOf(paths))
      assert.isArray(access.readdir(path.dirname(paths[1]!)))
    }))
})
