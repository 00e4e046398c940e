import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import { constants as fsConstants } from "node:fs"
import * as fsSync from "node:fs"
import { createReadStream } from "node:fs"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import type { LocalLocation } from "../location/MediaLocation.ts"
import { compareKeys, keyProblem, prefixProblem } from "../location/StorageKey.ts"
import { resolveRange } from "./byteRange.ts"
import type { ByteRange } from "./byteRange.ts"
import { AccessDenied, InvalidKey, ObjectNotFound, RangeNotSatisfiable } from "./errors.ts"
import type { StorageError } from "./errors.ts"
import { fromFsError } from "./localErrors.ts"
import { makeLocalIncompleteWrites } from "./localIncompleteWrites.ts"
import { DEFAULT_RETRY_POLICY, retryTransient } from "./retry.ts"
import type { RetryPolicy } from "./retry.ts"
import type { GetOptions, ObjectInfo, PutOptions, SmallObject, StorageEngineShape } from "./StorageEngine.ts"
import { isTempFileName, tempFileName } from "./tempFileName.ts"


const READ_CHUNK = 1024 * 1024
const STAT_BATCH = 256

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

  const validKey = (key: string): Effect.Effect<string, InvalidKey> => {
    const reason = keyProblem(key)
    return reason === undefined ? Effect.succeed(key) : Effect.fail(new InvalidKey({ key, reason }))
  }

  /** The real path of an existing file for `key`, refusing links that lead outside the root. */
  const resolveExisting = (operation: string, key: string) =>
    Effect.gen(function*() {
      yield* validKey(key)
      const real = yield* io(operation, key, () => fs.realpath(path.join(realRoot, key)))
      if (!isInside(real)) return yield* escapes(operation, key)
      const stats = yield* io(operation, key, () => fs.stat(real))
      if (!stats.isFile()) return yield* new ObjectNotFound({ location: name, key })
      return { real, stats }
    })

  /** Creates the parent folder of `key` and returns its real path, refusing links that lead outside. */
  const prepareParent = (operation: string, key: string) =>
    Effect.gen(function*() {
      yield* validKey(key)
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
  const atomicWrite = <E>(operation: string, key: string, write: (file: fs.FileHandle, tempPath: string) => Effect.Effect<void, StorageError | E>) =>
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

  const put = <E = never>(key: string, body: Stream.Stream<Uint8Array, E> | Uint8Array, options?: PutOptions) =>
    atomicWrite<E>("write", key, (file) =>
      (body instanceof Uint8Array
        ? io("write", key, () => file.writeFile(body))
        : Stream.runForEach(body, (chunk) => io("write", key, () => file.write(chunk)))
      ).pipe(
        Effect.andThen(options?.lastModified === undefined ? Effect.void : io("write", key, () => file.utimes(options.lastModified!, options.lastModified!)))
      )
    ).pipe(Effect.withSpan("LocalEngine.put", { attributes: { key } }))

  const get = Effect.fn("LocalEngine.get")(function*(key: string, range?: ByteRange, options?: GetOptions) {
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

  const readSmall = Effect.fn("LocalEngine.readSmall")(function*(key: string, maxBytes: number) {
    yield* validKey(key)
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

  const stat = Effect.fn("LocalEngine.stat")(function*(key: string) {
    const { stats } = yield* retry(resolveExisting("stat", key))
    return infoOf(key, stats)
  })

  const list = (prefix: string): Stream.Stream<ObjectInfo, StorageError> => {
    const problem = prefixProblem(prefix)
    if (problem !== undefined) return Stream.fail(new InvalidKey({ key: prefix, reason: problem }))
    if (absent) return Stream.empty
    // A fresh walk for every run of the stream: a generator made once would be exhausted after the first.
    return Stream.suspend(() => Stream.fromAsyncIterable(walk(realRoot, prefix, isInside, options.slowStatMs ?? SLOW_STAT_MS), fromFsError(name, "list", prefix === "" ? undefined : prefix))).pipe(
      Stream.flattenIterable
    )
  }

  const remove = Effect.fn("LocalEngine.delete")(function*(keys: ReadonlyArray<string>) {
    // Validate every key before deleting any, so a bad batch deletes nothing.
    for (const key of keys) yield* validKey(key)
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

  const copy = Effect.fn("LocalEngine.copy")(function*(from: string, to: string) {
    const { real } = yield* resolveExisting("copy", from)
    yield* atomicWrite("copy", to, (_file, tempPath) => io("copy", to, () => fs.copyFile(real, tempPath)))
  })

  const incomplete = makeLocalIncompleteWrites(name, realRoot, isInside)

  const shape: StorageEngineShape = { location, put, get, readSmall, stat, list, delete: remove, copy, ...incomplete }
  return shape
})

/** A whole regular file no larger than `maxBytes`, as it was when opened. */
const readWhole = async (file: string, maxBytes: number) => {
  // O_NONBLOCK: opening a named pipe must not wait for a writer (it is then refused as not a file).
  const handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK)
  try {
    const stats = await handle.stat()
    if (!stats.isFile()) return "not a file" as const
    if (stats.size > maxBytes) return "too large" as const
    const buffer = Buffer.allocUnsafe(stats.size)
    let filled = 0
    while (filled < stats.size) {
      const { bytesRead } = await handle.read(buffer, filled, stats.size - filled, filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    return { stats, bytes: filled === stats.size ? buffer : buffer.subarray(0, filled) }
  } finally {
    await handle.close()
  }
}

const pathExists = (p: string): Promise<boolean> =>
  fs.lstat(p).then(() => true, (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? false : Promise.reject(error)))

/** `fs.stat` for many paths at once, without a promise per path (undefined where it fails). */
const statAll = (paths: ReadonlyArray<string | undefined>): Promise<Array<fsSync.Stats | undefined>> =>
  new Promise((resolve) => {
    const results = new Array<fsSync.Stats | undefined>(paths.length)
    let pending = 1
    const settle = () => void (--pending === 0 && resolve(results))
    paths.forEach((p, i) => {
      if (p === undefined) return
      pending++
      fsSync.stat(p, (error, stats) => {
        results[i] = error === null ? stats : undefined
        settle()
      })
    })
    settle()
  })

/** Average time per stat above which a walk stops stat'ing synchronously: a network share or a cold disk. */
const SLOW_STAT_MS = 0.05

/**
 * Stats many paths: synchronously while the disk answers from its cache (a few microseconds each, far
 * less than a round trip through libuv's thread pool), and in parallel from the first batch that shows
 * the storage is slow, where overlapping requests is what counts.
 */
const makeStatter = (slowStatMs: number) => {
  let parallel = false
  const statSync = (p: string | undefined) => {
    if (p === undefined) return undefined
    try {
      return fsSync.statSync(p, { throwIfNoEntry: false })
    } catch {
      return undefined
    }
  }
  return async (paths: ReadonlyArray<string | undefined>): Promise<Array<fsSync.Stats | undefined>> => {
    if (parallel) return statAll(paths)
    const started = performance.now()
    const results = paths.map(statSync)
    const count = paths.reduce((n, p) => (p === undefined ? n : n + 1), 0)
    if (count > 0 && (performance.now() - started) / count > slowStatMs) parallel = true
    return results
  }
}

/**
 * Yields the files below `prefix`, one directory's worth at a time, in UTF-8 byte order of their keys.
 * Directories sort as `name/`, which is where their keys fall. Links are followed only while they stay
 * inside the root, and each real directory is visited once, so link cycles end.
 */
async function* walk(
  realRoot: string,
  prefix: string,
  isInside: (real: string) => boolean,
  slowStatMs: number
): AsyncGenerator<ReadonlyArray<ObjectInfo>> {
  const ancestors = new Set<string>()
  const statMany = makeStatter(slowStatMs)
  const start = prefix === "" ? realRoot : await fs.realpath(path.join(realRoot, prefix)).catch(() => undefined)
  if (start === undefined || !isInside(start)) return
  const startStats = await fs.stat(start)
  if (!startStats.isDirectory()) return
  yield* walkDir(start, prefix)

  async function* walkDir(dir: string, dirKey: string): AsyncGenerator<ReadonlyArray<ObjectInfo>> {
    if (ancestors.has(dir)) return
    ancestors.add(dir)
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) =>
      error.code === "ENOENT" ? [] : Promise.reject(error)
    )
    const candidates = entries.filter((entry) => !isTempFileName(entry.name))
    const resolved: Array<{ sortKey: string; key: string; real: string; isDir: boolean; info?: ObjectInfo }> = []
    for (let i = 0; i < candidates.length; i += STAT_BATCH) {
      const batch = candidates.slice(i, i + STAT_BATCH)
      // Links are resolved (and refused when they leave the root) before anything is stat'ed through them.
      const reals = batch.map((entry) => (entry.isDirectory() || entry.isFile() ? path.join(dir, entry.name) : undefined))
      await Promise.all(batch.map(async (entry, j) => {
        if (!entry.isSymbolicLink()) return
        const target = await fs.realpath(path.join(dir, entry.name)).catch(() => undefined)
        reals[j] = target !== undefined && isInside(target) ? target : undefined
      }))
      const stats = await statMany(reals)
      batch.forEach((entry, j) => {
        const real = reals[j]
        const stat = stats[j]
        if (real === undefined || stat === undefined) return
        const key = dirKey === "" ? entry.name : `${dirKey}/${entry.name}`
        if (stat.isDirectory()) resolved.push({ sortKey: `${key}/`, key, real, isDir: true })
        else if (stat.isFile()) resolved.push({ sortKey: key, key, real, isDir: false, info: { key, size: stat.size, lastModified: stat.mtime, etag: undefined } })
      })
    }
    resolved.sort((a, b) => compareKeys(a.sortKey, b.sortKey))
    let batch: Array<ObjectInfo> = []
    for (const entry of resolved) {
      if (entry.isDir) {
        if (batch.length > 0) yield batch
        batch = []
        yield* walkDir(entry.real, entry.key)
      } else batch.push(entry.info!)
    }
    if (batch.length > 0) yield batch
    ancestors.delete(dir)
  }
}

