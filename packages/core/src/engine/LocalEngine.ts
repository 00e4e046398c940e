import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { createReadStream } from "node:fs"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import type { LocalLocation } from "../location/MediaLocation.ts"
import type { StorageKey } from "../location/StorageKey.ts"
import { resolveRange } from "./byteRange.ts"
import type { ByteRange } from "./byteRange.ts"
import { ObjectNotFound, RangeNotSatisfiable } from "./errors.ts"
import type { StorageError } from "./errors.ts"
import { withKeyChecks } from "./keyFront.ts"
import type { EngineInternals, StoragePrefix } from "./keyFront.ts"
import { fromFsError } from "./localErrors.ts"
import { makeWholeReader, pathExists } from "./localFiles.ts"
import { SLOW_STAT_MS } from "./localFsAccess.ts"
import { makeLocalIncompleteWrites } from "./localIncompleteWrites.ts"
import { atomicWrite, escapes, fileInfo, localIo, localRoot, resolveExisting } from "./localPaths.ts"
import type { LocalRoot } from "./localPaths.ts"
import { DEFAULT_RETRY_POLICY, retryTransient } from "./retry.ts"
import type { RetryPolicy } from "./retry.ts"
import type { GetOptions, ListOptions, ObjectInfo, PutOptions, SmallObject } from "./StorageEngine.ts"
import { HAND_OFF_AFTER, walkLocal } from "./walkThread.ts"

const READ_CHUNK = 1024 * 1024
/** A cached small file is read in tens of microseconds; a network share or a cold disk takes far longer. */
const SLOW_READ_MS = 0.5

export interface LocalEngineOptions {
  readonly retry?: RetryPolicy
  /** Average milliseconds per stat above which a listing stats in parallel instead (see `makeFsAccess`). */
  readonly slowStatMs?: number
  /** Files a listing walks on the calling thread before the rest of the walk moves to a worker thread. */
  readonly walkThreadAfter?: number
  /** Average milliseconds per small-file read above which they go through the thread pool (`makeWholeReader`). */
  readonly slowReadMs?: number
  /**
   * False: a missing root is not created (a dry run creates nothing, not even the folder); the engine
   * then lists it as empty, for planning only.
   */
  readonly createRoot?: boolean
}

type Retry = ReturnType<typeof retryTransient>

const putOf =
  (root: LocalRoot) =>
  <E = never>(key: StorageKey, body: Stream.Stream<Uint8Array, E> | Uint8Array, options?: PutOptions) =>
    atomicWrite<E>(root, "write", key, (file) => {
      const io = <A>(run: () => Promise<A>) => localIo(root, "write", key, run)
      const lastModified = options?.lastModified
      return (body instanceof Uint8Array
        ? io(() => file.writeFile(body))
        : Stream.runForEach(body, (chunk) => io(() => file.write(chunk)))).pipe(
          Effect.andThen(lastModified === undefined ? Effect.void : io(() => file.utimes(lastModified, lastModified)))
        )
    }).pipe(Effect.withSpan("LocalEngine.put", { attributes: { key } }))

const getOf = (root: LocalRoot, retry: Retry) =>
  Effect.fn("LocalEngine.get")(function*(key: StorageKey, range?: ByteRange, options?: GetOptions) {
    const { real, stats } = yield* retry(resolveExisting(root, "read", key))
    const resolved = range === undefined ? undefined : resolveRange(range, stats.size)
    if (range !== undefined && resolved === undefined) return yield* new RangeNotSatisfiable({ key, size: stats.size })
    const stream = NodeStream.fromReadable<Uint8Array, StorageError>({
      evaluate: () =>
        createReadStream(real, {
          // A read buffer no larger than the file: small files (thumbnails) would otherwise allocate 1 MiB each.
          highWaterMark: Math.max(1, Math.min(options?.readSize ?? READ_CHUNK, stats.size)),
          ...(resolved === undefined ? {} : { start: resolved.start, end: resolved.end })
        }),
      onError: fromFsError(root.name, "read", key)
    })
    return { info: fileInfo(key, stats), range: resolved, stream }
  })

const readSmallOf = (root: LocalRoot, retry: Retry, readWhole: ReturnType<typeof makeWholeReader>) =>
  Effect.fn("LocalEngine.readSmall")(function*(key: StorageKey, maxBytes: number) {
    // One promise for the whole read: per file, the bookkeeping of separate steps cost more than the bytes.
    const read = yield* retry(localIo(root, "read", key, () => readWhole(path.join(root.realRoot, key), maxBytes)))
    if (read === "escapes") return yield* escapes(root, "read", key)
    if (read === "not a file") return yield* new ObjectNotFound({ location: root.name, key })
    if (read === "too large") return undefined
    const small: SmallObject = { info: fileInfo(key, read.stats), bytes: read.bytes }
    return small
  })

const statOf = (root: LocalRoot, retry: Retry) =>
  Effect.fn("LocalEngine.stat")(function*(key: StorageKey) {
    const { stats } = yield* retry(resolveExisting(root, "stat", key))
    return fileInfo(key, stats)
  })

const listOf =
  (root: LocalRoot, absent: boolean, slowStatMs: number, handOffAfter: number) =>
  (prefix: StoragePrefix, options: ListOptions = {}): Stream.Stream<ObjectInfo, StorageError> => {
    if (absent) return Stream.empty
    const onError = fromFsError(root.name, "list", prefix === "" ? undefined : prefix)
    // A fresh walk for every run of the stream: a generator made once would be exhausted after the first.
    const files = () =>
      Stream.fromAsyncIterable(
        walkLocal({ realRoot: root.realRoot, prefix, slowStatMs, md5: options.md5 }, handOffAfter),
        onError
      )
    return Stream.suspend(files).pipe(Stream.filter(Arr.isReadonlyArrayNonEmpty), Stream.flattenArray)
  }

const deleteOf = (root: LocalRoot, retry: Retry) =>
  Effect.fn("LocalEngine.delete")(function*(keys: ReadonlyArray<StorageKey>) {
    yield* Effect.forEach(keys, (key) =>
      Effect.gen(function*() {
        const parent = path.dirname(path.join(root.realRoot, key))
        const realParent = yield* localIo(root, "delete", key, () => fs.realpath(parent)).pipe(
          Effect.catchTag("ObjectNotFound", () => Effect.succeed(undefined))
        )
        if (realParent === undefined) return
        if (!root.isInside(realParent)) return yield* escapes(root, "delete", key)
        const file = path.join(realParent, path.basename(key))
        yield* retry(localIo(root, "delete", key, () => fs.rm(file, { force: true })))
      }), { concurrency: 16, discard: true })
  })

const copyOf = (root: LocalRoot) =>
  Effect.fn("LocalEngine.copy")(function*(from: StorageKey, to: StorageKey) {
    const { real } = yield* resolveExisting(root, "copy", from)
    yield* atomicWrite(root, "copy", to, (_file, tempPath) =>
      localIo(root, "copy", to, () =>
        fs.copyFile(real, tempPath)))
  })

/**
 * Files under a local folder. Keys map to paths below the root; a key whose real path (after
 * following symlinks) leaves the root is refused, so a link can never expose or overwrite files
 * elsewhere. Writes go to a temp file that is fsynced and renamed into place.
 */
export const makeLocalEngine = Effect.fnUntraced(function*(location: LocalLocation, options: LocalEngineOptions = {}) {
  const name = location.root
  const retry = retryTransient(options.retry ?? DEFAULT_RETRY_POLICY)
  const io = <A>(operation: string, run: () => Promise<A>) =>
    Effect.tryPromise({ try: run, catch: fromFsError(name, operation, undefined) })
  const absent = options.createRoot === false && !(yield* io("open the media folder", () => pathExists(location.root)))
  if (!absent) yield* io("create the media folder", () => fs.mkdir(location.root, { recursive: true }))
  const realRoot = absent ? location.root : yield* io("open the media folder", () => fs.realpath(location.root))
  const root = localRoot(name, realRoot)
  const internals: EngineInternals = {
    location,
    put: putOf(root),
    get: getOf(root, retry),
    readSmall: readSmallOf(root, retry, makeWholeReader(root.isInside, options.slowReadMs ?? SLOW_READ_MS)),
    stat: statOf(root, retry),
    list: listOf(root, absent, options.slowStatMs ?? SLOW_STAT_MS, options.walkThreadAfter ?? HAND_OFF_AFTER),
    delete: deleteOf(root, retry),
    copy: copyOf(root),
    ...makeLocalIncompleteWrites(name, root.realRoot, root.isInside)
  }
  return withKeyChecks(internals)
})
