import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { constants as fsConstants } from "node:fs"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import type { StorageKey } from "../location/StorageKey.ts"
import { AccessDenied, ObjectNotFound } from "./errors.ts"
import type { StorageError } from "./errors.ts"
import { insideOf } from "./insideRoot.ts"
import { fromFsError } from "./localErrors.ts"
import { pathExists } from "./localFiles.ts"
import type { ObjectInfo } from "./StorageEngine.ts"
import { tempFileName } from "./tempFileName.ts"

/** A local engine's folder: its name in messages, and its real path (symbolic links resolved). */
export interface LocalRoot {
  readonly name: string
  readonly realRoot: string
  /** Whether a real path lies inside the root. */
  readonly isInside: (real: string) => boolean
}

export const localRoot = (name: string, realRoot: string): LocalRoot => ({
  name,
  realRoot,
  isInside: insideOf(realRoot)
})

/** One file-system call, its errors mapped to storage errors about `key`. */
export const localIo = <A>(
  root: LocalRoot,
  operation: string,
  key: string | undefined,
  run: () => Promise<A>
): Effect.Effect<A, StorageError> => Effect.tryPromise({ try: run, catch: fromFsError(root.name, operation, key) })

export const escapes = (root: LocalRoot, operation: string, key: string) =>
  new AccessDenied({
    location: root.name,
    operation,
    key,
    detail: "the path leads outside the media location through a symbolic link"
  })

export const fileInfo = (key: string, stats: { size: number; mtime: Date }): ObjectInfo => ({
  key,
  size: stats.size,
  lastModified: stats.mtime,
  etag: undefined
})

/** The real path of an existing file for `key`, refusing links that lead outside the root. */
export const resolveExisting = (root: LocalRoot, operation: string, key: StorageKey) =>
  Effect.gen(function*() {
    const real = yield* localIo(root, operation, key, () => fs.realpath(path.join(root.realRoot, key)))
    if (!root.isInside(real)) return yield* escapes(root, operation, key)
    const stats = yield* localIo(root, operation, key, () => fs.stat(real))
    if (!stats.isFile()) return yield* new ObjectNotFound({ location: root.name, key })
    return { real, stats }
  })

/** Creates the parent folder of `key` and returns its real path, refusing links that lead outside. */
const prepareParent = (root: LocalRoot, operation: string, key: StorageKey) =>
  Effect.gen(function*() {
    const io = <A>(run: () => Promise<A>) => localIo(root, operation, key, run)
    const parent = path.dirname(path.join(root.realRoot, key))
    // Check the deepest existing ancestor before creating anything, so mkdir never follows an escaping link.
    let existing = parent
    while (!(yield* io(() => pathExists(existing)))) existing = path.dirname(existing)
    const realExisting = yield* io(() => fs.realpath(existing))
    if (!root.isInside(realExisting)) return yield* escapes(root, operation, key)
    yield* io(() => fs.mkdir(parent, { recursive: true }))
    const realParent = yield* io(() => fs.realpath(parent))
    if (!root.isInside(realParent)) return yield* escapes(root, operation, key)
    return path.join(realParent, path.basename(key))
  })

/** Runs `write` against a fresh temp file beside the target, then fsyncs and renames it into place. */
export const atomicWrite = <E>(
  root: LocalRoot,
  operation: string,
  key: StorageKey,
  write: (file: fs.FileHandle, tempPath: string) => Effect.Effect<void, StorageError | E>
) =>
  Effect.gen(function*() {
    const io = <A>(run: () => Promise<A>) => localIo(root, operation, key, run)
    const target = yield* prepareParent(root, operation, key)
    const tempPath = path.join(path.dirname(target), tempFileName())
    return yield* Effect.acquireUseRelease(
      io(() => fs.open(tempPath, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o644)),
      (file) =>
        Effect.gen(function*() {
          yield* write(file, tempPath)
          yield* io(() => file.sync())
          yield* io(() => file.close())
          yield* io(() => fs.rename(tempPath, target))
          return fileInfo(key, yield* io(() => fs.stat(target)))
        }),
      (file, exit) =>
        Effect.promise(() => file.close().catch(() => undefined)).pipe(
          Effect.andThen(Exit.isFailure(exit) ? Effect.promise(() => fs.rm(tempPath, { force: true })) : Effect.void)
        )
    )
  })
