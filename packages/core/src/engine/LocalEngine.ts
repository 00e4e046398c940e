import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import { constants as fsConstants } from "node:fs"
import { createReadStream } from "node:fs"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import type { LocalLocation } from "../location/MediaLocation.ts"
import type { StorageKey } from "../location/StorageKey.ts"
import { resolveRange } from "./byteRange.ts"
import type { ByteRange } from "./byteRange.ts"
import { AccessDenied, ObjectNotFound, RangeNotSatisfiable } from "./errors.ts"
import type { StorageError } from "./errors.ts"
import { withKeyChecks } from "./keyFront.ts"
import type { EngineInternals, StoragePrefix } from "./keyFront.ts"
import { fromFsError } from "./localErrors.ts"
import { pathExists, readWhole } from "./localFiles.ts"
import { makeLocalIncompleteWrites } from "./localIncompleteWrites.ts"
import { SLOW_STAT_MS, walk } from "./localWalk.ts"
import { DEFAULT_RETRY_POLICY, retryTransient } from "./retry.ts"
import type { RetryPolicy } from "./retry.ts"
import type { GetOptions, ObjectInfo, PutOptions, SmallObject } from "./StorageEngine.ts"
import { tempFileName } from "./tempFileName.ts"

const READ_CHUNK = 1024 * 1024

export interface LocalEngineOptions {
  readonly retry?: RetryPolicy
  /** Average milliseconds per stat above which a listing stats in parallel instead (see `makeStatter`). */
  readonly slowStatMs?: number
  /**
   * False: a missing root is not created (a dry run creates nothing, not even the folder); the engine
   * then lists it as empty, for planning only.
   */
  readonly createRoot?: boolean
}

/**
 * Files under a local folder. Keys map to paths below the root; a key whose real path (after
 * following symlinks) leaves the root is refused, so a link can never expose or overwrite files
 * elsewhere. Writes go to a temp file that is fsynced and renamed into place.
 */
export const makeLocalEngine = Effect.fnUntraced(function*(location: LocalLocation, options: LocalEngineOptions = {}) {
  const name = location.root
  const retry = retryTransient(options.retry ?? DEFAULT_RETRY_POLICY)
  const io = <A>(operation: string, key: string | undefined, run: () => Promise<A>): Effect.Effect<A, StorageError> =>
    Effect.tryPromise({ try: run, catch: fromFsError(name, operation, key) })

  const absent = options.createRoot === false && !(yield* io("open the media folder", undefined, () => pathExists(location.root)))
  if (!absent) yield* io("create the media folder", undefined, () => fs.mkdir(location.root, { recursive: true }))
  const realRoot = absent ? location.root : yield* io("open the media folder", undefined, () => fs.realpath(location.root))

  const isInside = (real: string) => real === realRoot || real.startsWith(`${realRoot}/`)
  const escapes = (operation: string, key: string) =>
    new AccessDenied({ location: name, operation, key, detail: "the path leads outside the media location through a symbolic link" })

  /** The real path of an existing file for `key`, refusing links that lead outside the root. */
  const resolveExisting = (operation: string, key: StorageKey) =>
    Effect.gen(function*() {
      const real = yield* io(operation, key, () => fs.realpath(path.join(realRoot, key)))
      if (!isInside(real)) return yield* escapes(operation, key)
      const stats = yield* io(operation, key, () => fs.stat(real))
      if (!stats.isFile()) return yield* new ObjectNotFound({ location: name, key })
      return { real, stats }
    })

  /** Creates the parent folder of `key` and returns its real path, refusing links that lead outside. */
  const prepareParent = (operation: string, key: StorageKey) =>
    Effect.gen(function*() {
      const parent = path.dirname(path.join(realRoot, key))
      // Check the deepest existing ancestor before creating anything, so mkdir never follows an escaping link.
      let existing = parent
      while (!(yield* io(operation, key, () => pathExists(existing)))) existing = path.dirname(existing)
      const realExisting = yield* io(operation, key, () => fs.realpath(existing))
      if (!isInside(realExisting)) return yield* escapes(operation, key)
      yield* io(operation, key, () => fs.mkdir(parent, { recursive: true }))
      const realParent = yield* io(operation, key, () => fs.realpath(parent))
      if (!isInside(realParent)) return yield* escapes(operation, key)
      return path.join(realParent, path.basename(key))
    })

  const infoOf = (key: string, stats: { size: number; mtime: Date }): ObjectInfo => ({
    key,
    size: stats.size,
    lastModified: stats.mtime,
    etag: undefined
  })

  /** Runs `write` against a fresh temp file beside `target`, then fsyncs and renames it into place. */
  const atomicWrite = <E>(operation: string, key: StorageKey, write: (file: fs.FileHandle, tempPath: string) => Effect.Effect<void, StorageError | E>) =>
    Effect.gen(function*() {
      const target = yield* prepareParent(operation, key)
      const tempPath = path.join(path.dirname(target), tempFileName())
      return yield* Effect.acquireUseRelease(
        io(operation, key, () => fs.open(tempPath, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o644)),
        (file) =>
          Effect.gen(function*() {
            yield* write(file, tempPath)
            yield* io(operation, key, () => file.sync())
            yield* io(operation, key, () => file.close())
            yield* io(operation, key, () => fs.rename(tempPath, target))
            const stats = yield* io(operation, key, () => fs.stat(target))
            return infoOf(key, stats)
          }),
        (file, exit) =>
          Effect.promise(() => file.close().catch(() => undefined)).pipe(
            Effect.andThen(Exit.isFailure(exit) ? Effect.promise(() => fs.rm(tempPath, { force: true })) : Effect.void)
          )
      )
    })

  const put = <E = never>(key: StorageKey, body: Stream.Stream<Uint8Array, E> | Uint8Array, options?: PutOptions) =>
    atomicWrite<E>("write", key, (file) =>
      (body instanceof Uint8Array
        ? io("write", key, () => file.writeFile(body))
        : Stream.runForEach(body, (chunk) => io("write", key, () => file.write(chunk)))
      ).pipe(
        Effect.andThen(options?.lastModified === undefined ? Effect.void : io("write", key, () => file.utimes(options.lastModified!, options.lastModified!)))
      )
    ).pipe(Effect.withSpan("LocalEngine.put", { attributes: { key } }))

  const get = Effect.fn("LocalEngine.get")(function*(key: StorageKey, range?: ByteRange, options?: GetOptions) {
    const { real, stats } = yield* retry(resolveExisting("read", key))
    const resolved = range === undefined ? undefined : resolveRange(range, stats.size)
    if (range !== undefined && resolved === undefined) return yield* new RangeNotSatisfiable({ key, size: stats.size })
    const stream = NodeStream.fromReadable<Uint8Array, StorageError>({
      evaluate: () =>
        createReadStream(real, {
          // A read buffer no larger than the file: small files (thumbnails) would otherwise allocate 1 MiB each.
          highWaterMark: Math.max(1, Math.min(options?.readSize ?? READ_CHUNK, stats.size)),
          ...(resolved === undefined ? {} : { start: resolved.start, end: resolved.end })
        }),
      onError: fromFsError(name, "read", key)
    })
    return { info: infoOf(key, stats), range: resolved, stream }
  })

  const readSmall = Effect.fn("LocalEngine.readSmall")(function*(key: StorageKey, maxBytes: number) {
    // One promise for the whole read: per file, the bookkeeping of separate steps cost more than the bytes.
    const read = yield* retry(io("read", key, async () => {
      const real = await fs.realpath(path.join(realRoot, key))
      if (!isInside(real)) return "escapes" as const
      return readWhole(real, maxBytes)
    }))
    if (read === "escapes") return yield* escapes("read", key)
    if (read === "not a file") return yield* new ObjectNotFound({ location: name, key })
    if (read === "too large") return undefined
    const small: SmallObject = { info: infoOf(key, read.stats), bytes: read.bytes }
    return small
  })

  const stat = Effect.fn("LocalEngine.stat")(function*(key: StorageKey) {
    const { stats } = yield* retry(resolveExisting("stat", key))
    return infoOf(key, stats)
  })

  const list = (prefix: StoragePrefix): Stream.Stream<ObjectInfo, StorageError> => {
    if (absent) return Stream.empty
    // A fresh walk for every run of the stream: a generator made once would be exhausted after the first.
    return Stream.suspend(() => Stream.fromAsyncIterable(walk(realRoot, prefix, isInside, options.slowStatMs ?? SLOW_STAT_MS), fromFsError(name, "list", prefix === "" ? undefined : prefix))).pipe(
      Stream.flattenIterable
    )
  }

  const remove = Effect.fn("LocalEngine.delete")(function*(keys: ReadonlyArray<StorageKey>) {
    yield* Effect.forEach(keys, (key) =>
      Effect.gen(function*() {
        const parent = path.dirname(path.join(realRoot, key))
        const realParent = yield* io("delete", key, () => fs.realpath(parent)).pipe(
          Effect.catchTag("ObjectNotFound", () => Effect.succeed(undefined))
        )
        if (realParent === undefined) return
        if (!isInside(realParent)) return yield* escapes("delete", key)
        yield* retry(io("delete", key, () => fs.rm(path.join(realParent, path.basename(key)), { force: true })))
      }), { concurrency: 16, discard: true })
  })

  const copy = Effect.fn("LocalEngine.copy")(function*(from: StorageKey, to: StorageKey) {
    const { real } = yield* resolveExisting("copy", from)
    yield* atomicWrite("copy", to, (_file, tempPath) => io("copy", to, () => fs.copyFile(real, tempPath)))
  })

  const incomplete = makeLocalIncompleteWrites(name, realRoot, isInside)

  const internals: EngineInternals = { location, put, get, readSmall, stat, list, delete: remove, copy, ...incomplete }
  return withKeyChecks(internals)
})
