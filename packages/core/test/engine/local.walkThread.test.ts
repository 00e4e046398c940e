import { assert, describe, it } from "@effect/vitest"
import { localLocation, makeLocalEngine } from "@immich-storage/core"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { createHash } from "node:crypto"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { HASHED_WHILE_LISTING_MAX } from "../../src/engine/fileMd5.ts"
import { walk } from "../../src/engine/localWalk.ts"
import { walkInThread } from "../../src/engine/walkThread.ts"
import { tempDirScoped } from "./helpers.ts"

// Names that order differently in byte order, locale order and "folder first" order.
const TRAPS = ["a", "b", "a-b", "a.b", "a0", "A", "é", "😀", "b0"]

const byteOrder = (keys: ReadonlyArray<string>) =>
  [...keys].sort((a, b) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")))
const after = (key: string) => (other: string) => Buffer.compare(Buffer.from(other), Buffer.from(key)) > 0

/** Every file two levels deep and some one level deep, so folders and files sit side by side ("a/b", "a/b.c"). */
const trapTree = (): Array<string> => [
  ...TRAPS.flatMap((top) => TRAPS.filter((_, i) => i % 2 === 0).map((leaf) => `${top}/${leaf}`)),
  ...TRAPS.filter((_, i) => i % 3 === 1).map((name) => `${name}.jpg`)
]

const writeTree = (root: string, keys: ReadonlyArray<string>) =>
  Effect.promise(async () => {
    for (const key of keys) {
      await fs.mkdir(path.dirname(path.join(root, key)), { recursive: true })
      await fs.writeFile(path.join(root, key), key)
    }
  })

/** The trap tree written under a fresh folder: its path, its real path, and its keys. */
const trapTreeOnDisk = Effect.gen(function*() {
  const dir = yield* tempDirScoped
  const root = path.join(dir.path, "media")
  const keys = trapTree()
  yield* writeTree(root, keys)
  const realRoot = yield* Effect.promise(() => fs.realpath(root))
  return { keys, realRoot, root }
})

const collect = async (batches: AsyncIterable<ReadonlyArray<{ readonly key: string }>>) => {
  const keys: Array<string> = []
  for await (const batch of batches) keys.push(...batch.map((file) => file.key))
  return keys
}

describe("the local walk, resumed after a key and handed to a thread", () => {
  it.effect(
    "resumes after any key, in or not in the tree, with exactly the files after it",
    () =>
      Effect.gen(function*() {
        const { keys, realRoot: real } = yield* trapTreeOnDisk
        const inside = (p: string) => p === real || p.startsWith(`${real}/`)
        // Keys of the tree, folders as keys ("a", "a/"), and keys between neighbours ("a/a0z", "a-").
        const resumes = [...keys, ...TRAPS, ...TRAPS.map((t) => `${t}/`), "a/a0z", "a-", "", "\u{10FFFF}"]
        for (const from of resumes) {
          for (const slow of [1000, -1]) {
            const walked = yield* Effect.promise(() => collect(walk(real, "", inside, slow, from)))
            assert.deepStrictEqual(walked, byteOrder(keys).filter(after(from)), `after "${from}", ${slow}`)
          }
        }
      }),
    { timeout: 60_000 }
  )

  it.effect(
    "walks in a worker thread, whole or resumed, the same files in the same order",
    () =>
      Effect.gen(function*() {
        const { keys, realRoot, root } = yield* trapTreeOnDisk
        const sorted = byteOrder(keys)
        const middle = sorted[Math.floor(sorted.length / 2)]!
        const whole = yield* Effect.promise(() => collect(walkInThread({ realRoot, prefix: "", slowStatMs: 1000 })))
        assert.deepStrictEqual(whole, sorted)
        const rest = yield* Effect.promise(() =>
          collect(walkInThread({ realRoot, prefix: "", slowStatMs: 1000, after: middle }))
        )
        assert.deepStrictEqual(rest, sorted.filter(after(middle)))
        // Through the engine: handed to the thread at once, and after a few files (each batch is one yield).
        for (const walkThreadAfter of [0, 1, 1_000_000]) {
          const engine = yield* makeLocalEngine(localLocation(root), { walkThreadAfter })
          const listed = yield* Stream.runCollect(engine.list(""))
          assert.deepStrictEqual(listed.map((info) => info.key), sorted, `hand-off after ${walkThreadAfter}`)
        }
      }),
    { timeout: 60_000 }
  )

  it.effect(
    "hashes each file as it lists it, when asked, up to the size above which files are read on demand",
    () =>
      Effect.gen(function*() {
        const { keys, root } = yield* trapTreeOnDisk
        const large = Buffer.alloc(HASHED_WHILE_LISTING_MAX + 1, 7)
        yield* Effect.promise(() => fs.writeFile(path.join(root, "zz-large.mp4"), large))
        const engine = yield* makeLocalEngine(localLocation(root))
        const plain = yield* Stream.runCollect(engine.list(""))
        assert.isTrue(plain.every((info) => info.listedMd5 === undefined), "not hashed unless asked")
        const hashed = yield* Stream.runCollect(engine.list("", { md5: true }))
        assert.deepStrictEqual(hashed.map((info) => info.key), byteOrder([...keys, "zz-large.mp4"]))
        for (const info of hashed.filter((info) => info.key !== "zz-large.mp4")) {
          assert.strictEqual(info.listedMd5, createHash("md5").update(info.key).digest("hex"), info.key)
        }
        const largeInfo = hashed.find((info) => info.key === "zz-large.mp4")
        assert.isUndefined(largeInfo?.listedMd5, "a file above the limit is left to be read on demand")
      }),
    { timeout: 60_000 }
  )

  it.effect("a failure in the thread reaches the reader as the file system's error, code and path", () =>
    Effect.gen(function*() {
      const dir = yield* tempDirScoped
      const gone = path.join(dir.path, "unmounted")
      const failure = yield* Effect.promise(() =>
        collect(walkInThread({ realRoot: gone, prefix: "", slowStatMs: 1000 })).then(() => undefined, (e: unknown) => e)
      )
      assert.instanceOf(failure, Error)
      assert.strictEqual((failure as NodeJS.ErrnoException).code, "ENOENT")
      assert.strictEqual((failure as NodeJS.ErrnoException).path, gone)
    }))
})
