import { assert, describe, it } from "@effect/vitest"
import { localLocation, makeLocalEngine } from "@immich-storage/core"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { tempDirScoped } from "./helpers.ts"

// Names that order differently in byte order, locale order and "folder first" order.
const TRAPS = ["a", "b", "a-b", "a.b", "a0", "A", "_x", "é", "e", "\uFF01", "😀", "b0"]

const seeded = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
}

/** File keys 1–4 segments deep; a key never names a folder another key is in (a file cannot be a directory). */
const randomTree = (random: () => number, size: number): Array<string> => {
  const pick = () => TRAPS[Math.floor(random() * TRAPS.length)]!
  const keys = new Set<string>()
  const folders = new Set<string>()
  while (keys.size < size) {
    const parts = Array.from({ length: 1 + Math.floor(random() * 4) }, pick)
    const key = parts.join("/")
    const parents = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join("/"))
    if (folders.has(key) || parents.some((p) => keys.has(p))) continue
    keys.add(key)
    for (const p of parents) folders.add(p)
  }
  return [...keys]
}

const byteOrder = (keys: ReadonlyArray<string>) =>
  [...keys].sort((a, b) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")))

describe("the local walk, reading directories ahead", () => {
  it.effect(
    "lists random trees of ordering traps in UTF-8 byte order, stats fast or in parallel",
    () =>
      Effect.gen(function*() {
        for (const seed of [1, 2, 3]) {
          const dir = yield* tempDirScoped
          const root = path.join(dir.path, "media")
          const keys = randomTree(seeded(seed), 150)
          yield* Effect.promise(async () => {
            for (const key of keys) {
              await fs.mkdir(path.dirname(path.join(root, key)), { recursive: true })
              await fs.writeFile(path.join(root, key), key)
            }
            // An empty folder, and a link cycle the read-ahead reaches before the walk refuses it.
            await fs.mkdir(path.join(root, "a-b/empty"), { recursive: true })
            await fs.mkdir(path.join(root, "zz"), { recursive: true })
            await fs.symlink(path.join(root, "zz"), path.join(root, "zz/loop"))
          })
          for (const slowStatMs of [1000, -1]) {
            const engine = yield* makeLocalEngine(localLocation(root), { slowStatMs })
            const listed = yield* Stream.runCollect(engine.list(""))
            assert.deepStrictEqual(listed.map((info) => info.key), byteOrder(keys), `seed ${seed}, ${slowStatMs}`)
          }
        }
      }),
    { timeout: 60_000 }
  )

  it.effect(
    "stops cleanly when the listing is abandoned while directories are being read ahead",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDirScoped
        const root = path.join(dir.path, "media")
        yield* Effect.promise(async () => {
          for (let d = 0; d < 20; d++) {
            for (let f = 0; f < 5; f++) {
              await fs.mkdir(path.join(root, `d${d}`), { recursive: true })
              await fs.writeFile(path.join(root, `d${d}/f${f}`), "x")
            }
          }
        })
        const engine = yield* makeLocalEngine(localLocation(root))
        const first = yield* Stream.runCollect(Stream.take(engine.list(""), 7))
        assert.deepStrictEqual(first.map((info) => info.key), [
          "d0/f0",
          "d0/f1",
          "d0/f2",
          "d0/f3",
          "d0/f4",
          "d1/f0",
          "d1/f1"
        ])
        // Folders the abandoned walk read ahead vanish: nothing fails unseen (vitest fails a run on an
        // unhandled rejection), and the next walk lists what is left.
        const gone = [2, 3, 4].map((d) => fs.rm(path.join(root, `d${d}`), { recursive: true }))
        yield* Effect.promise(() => Promise.all(gone))
        const again = yield* Stream.runCollect(engine.list(""))
        assert.strictEqual(again.length, 85)
      }),
    { timeout: 60_000 }
  )
})
