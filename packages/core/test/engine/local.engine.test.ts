import { assert, describe, it } from "@effect/vitest"
import { localLocation, makeLocalEngine } from "@immich-storage/core"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { failureOf } from "../failures.ts"
import { readAll, tempDirScoped } from "./helpers.ts"

const tagOf = <A, E extends { _tag: string }>(exit: Exit.Exit<A, E>) => failureOf(exit)?._tag

const setup = Effect.gen(function*() {
  const dir = yield* tempDirScoped
  const root = path.join(dir.path, "media")
  const outside = path.join(dir.path, "outside")
  yield* Effect.promise(async () => {
    await fs.mkdir(outside, { recursive: true })
    await fs.writeFile(path.join(outside, "secret.txt"), "not yours")
  })
  const engine = yield* makeLocalEngine(localLocation(root))
  return { engine, root, outside }
})

describe("local engine", () => {
  it.effect("creates its root and stores each key at <root>/<key>", () =>
    Effect.gen(function*() {
      const { engine, root } = yield* setup
      yield* engine.put("upload/user/ab/cd/abcd.jpg", Buffer.from("jpeg"))
      assert.strictEqual(
        yield* Effect.promise(() => fs.readFile(path.join(root, "upload/user/ab/cd/abcd.jpg"), "utf8")),
        "jpeg"
      )
    }))

  it.effect("never reads, lists, writes or deletes through a symlink that leaves the root", () =>
    Effect.gen(function*() {
      const { engine, outside, root } = yield* setup
      yield* Effect.promise(async () => {
        await fs.mkdir(path.join(root, "upload"), { recursive: true })
        await fs.symlink(path.join(outside, "secret.txt"), path.join(root, "upload/leak.txt"))
        await fs.symlink(outside, path.join(root, "thumbs"))
      })
      assert.strictEqual(tagOf(yield* Effect.exit(engine.get("upload/leak.txt"))), "AccessDenied")
      assert.strictEqual(tagOf(yield* Effect.exit(engine.readSmall("upload/leak.txt", 1024))), "AccessDenied")
      assert.strictEqual(tagOf(yield* Effect.exit(engine.readSmall("thumbs/secret.txt", 1024))), "AccessDenied")
      assert.strictEqual(tagOf(yield* Effect.exit(engine.stat("thumbs/secret.txt"))), "AccessDenied")
      assert.strictEqual(tagOf(yield* Effect.exit(engine.put("thumbs/new.jpg", Buffer.from("x")))), "AccessDenied")
      assert.strictEqual(
        tagOf(yield* Effect.exit(engine.put("thumbs/deeper/new.jpg", Buffer.from("x")))),
        "AccessDenied"
      )
      assert.strictEqual(tagOf(yield* Effect.exit(engine.delete(["thumbs/secret.txt"]))), "AccessDenied")
      assert.strictEqual(tagOf(yield* Effect.exit(engine.copy("upload/leak.txt", "upload/copy.txt"))), "AccessDenied")
      assert.deepStrictEqual((yield* Stream.runCollect(engine.list(""))).map((i) => i.key), [])
      assert.deepStrictEqual(
        yield* Effect.promise(() => fs.readdir(outside)),
        ["secret.txt"],
        "nothing written or deleted outside"
      )
    }))

  it.effect("follows symlinks that stay inside the root, and survives a link cycle", () =>
    Effect.gen(function*() {
      const { engine, root } = yield* setup
      yield* engine.put("library/admin/photo.jpg", Buffer.from("p"))
      yield* Effect.promise(async () => {
        await fs.symlink(path.join(root, "library"), path.join(root, "upload"))
        await fs.symlink(path.join(root, "library/admin"), path.join(root, "library/admin/loop"))
      })
      const body = yield* engine.get("upload/admin/photo.jpg")
      assert.strictEqual((yield* readAll(body.stream)).toString(), "p")
      const keys = (yield* Stream.runCollect(engine.list(""))).map((i) => i.key)
      assert.deepStrictEqual(keys, ["library/admin/photo.jpg", "upload/admin/photo.jpg"])
    }))

  it.effect("hides its own temp files from listings and removes them when a write fails", () =>
    Effect.gen(function*() {
      const { engine, root } = yield* setup
      yield* engine.put("upload/a.jpg", Buffer.from("a"))
      const failing = Stream.concat(Stream.make(new Uint8Array(1000)), Stream.fail("gone" as const))
      assert.isTrue(Exit.isFailure(yield* Effect.exit(engine.put("upload/b.jpg", failing))))
      assert.deepStrictEqual(yield* Effect.promise(() => fs.readdir(path.join(root, "upload"))), ["a.jpg"])
      yield* Effect.promise(() =>
        fs.writeFile(
          path.join(root, "upload/.immich-storage-0b7e5c1a-3f2d-4e6a-9c8b-1d2e3f4a5b6c.tmp"),
          "left by a crash"
        )
      )
      // A user's file that merely looks like one is listed (and so synced and backed up) like any other.
      yield* Effect.promise(() => fs.writeFile(path.join(root, "upload/.immich-storage-notes.tmp"), "mine"))
      assert.deepStrictEqual((yield* Stream.runCollect(engine.list("upload"))).map((i) => i.key), [
        "upload/.immich-storage-notes.tmp",
        "upload/a.jpg"
      ])
    }))

  it.effect("reads a named pipe as no object, without waiting for a writer", () =>
    Effect.gen(function*() {
      const { engine, root } = yield* setup
      yield* Effect.promise(async () => {
        await fs.mkdir(path.join(root, "upload"), { recursive: true })
        const { execFileSync } = await import("node:child_process")
        execFileSync("mkfifo", [path.join(root, "upload/pipe.jpg")])
      })
      assert.strictEqual(tagOf(yield* Effect.exit(engine.readSmall("upload/pipe.jpg", 1024))), "ObjectNotFound")
      assert.strictEqual(tagOf(yield* Effect.exit(engine.get("upload/pipe.jpg"))), "ObjectNotFound")
    }))

  it.effect("reads in pieces of the size asked for (a sync reads whole upload parts)", () =>
    Effect.gen(function*() {
      const { engine } = yield* setup
      yield* engine.put("encoded-video/v.mp4", Buffer.alloc(10_000, 7))
      const sizes = (body: { stream: Stream.Stream<Uint8Array, unknown> }) =>
        Stream.runCollect(body.stream).pipe(Effect.map((chunks) => chunks.map((c) => c.length)))
      assert.deepStrictEqual(yield* sizes(yield* engine.get("encoded-video/v.mp4", undefined, { readSize: 4096 })), [
        4096,
        4096,
        1808
      ])
      assert.deepStrictEqual(yield* sizes(yield* engine.get("encoded-video/v.mp4")), [10_000])
    }))

  it.effect("lists the same whether it stats synchronously (fast disk) or in parallel (slow storage)", () =>
    Effect.gen(function*() {
      const { engine, root } = yield* setup
      // Slow storage cannot be made here; a threshold below any real stat time makes the walk switch after
      // its first batch, which is what a slow share triggers.
      const parallel = yield* makeLocalEngine(localLocation(root), { slowStatMs: -1 })
      for (let i = 0; i < 600; i++) yield* engine.put(`thumbs/u/${String(i % 3)}/${i}.webp`, Buffer.alloc(i % 7))
      const listing = (e: typeof engine) =>
        Stream.runCollect(e.list("")).pipe(
          Effect.map((all) => all.map((i) => `${i.key} ${i.size} ${i.lastModified.getTime()}`))
        )
      const synchronous = yield* listing(engine)
      assert.strictEqual(synchronous.length, 600)
      assert.deepStrictEqual(yield* listing(parallel), synchronous)
    }))

  it.effect("reads small files the same on the main thread (cached disk) or through the thread pool (slow storage)", () =>
    Effect.gen(function*() {
      const { engine, outside, root } = yield* setup
      // As for stats: slow storage cannot be made here, so thresholds on either side of any real read time.
      const onMainThread = yield* makeLocalEngine(localLocation(root), { slowReadMs: 1000 })
      const inPool = yield* makeLocalEngine(localLocation(root), { slowReadMs: -1 })
      const sizes = [0, 1, 1000, 300 * 1024, 600 * 1024]
      const keys = Array.from({ length: 20 }, (_, i) => `thumbs/u/${i}.webp`)
      yield* Effect.forEach(keys, (key, i) => engine.put(key, Buffer.alloc(sizes[i % sizes.length]!, i)), {
        discard: true
      })
      yield* Effect.promise(() => fs.symlink(path.join(outside, "secret.txt"), path.join(root, "thumbs/leak.txt")))
      const readAllOf = (e: typeof engine) =>
        Effect.forEach(
          [...keys, "thumbs/missing.webp", "thumbs/leak.txt", "thumbs/u"],
          (key) =>
            Effect.exit(e.readSmall(key, 512 * 1024)).pipe(
              Effect.map((exit) =>
                Exit.isSuccess(exit)
                  ? exit.value === undefined ? "too large" : `${exit.value.info.size} ${exit.value.bytes.at(-1)}`
                  : tagOf(exit)
              )
            )
        )
      const expected = [
        ...keys.map((_, i) => {
          const size = sizes[i % sizes.length]!
          return size > 512 * 1024 ? "too large" : `${size} ${size === 0 ? undefined : i}`
        }),
        "ObjectNotFound",
        "AccessDenied",
        "ObjectNotFound"
      ]
      assert.deepStrictEqual(yield* readAllOf(onMainThread), expected)
      assert.deepStrictEqual(yield* readAllOf(inPool), expected)
    }))

  it.effect("treats a folder as no object", () =>
    Effect.gen(function*() {
      const { engine } = yield* setup
      yield* engine.put("upload/x/y.jpg", Buffer.from("y"))
      assert.strictEqual(tagOf(yield* Effect.exit(engine.get("upload/x"))), "ObjectNotFound")
      assert.strictEqual(tagOf(yield* Effect.exit(engine.readSmall("upload/x", 1024))), "ObjectNotFound")
      assert.strictEqual(tagOf(yield* Effect.exit(engine.stat("upload/x/y.jpg/z"))), "ObjectNotFound")
    }))
})
