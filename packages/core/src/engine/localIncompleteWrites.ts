import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import type { StorageKey } from "../location/StorageKey.ts"
import { InvalidKey } from "./errors.ts"
import type { StorageError } from "./errors.ts"
import type { StoragePrefix } from "./keyFront.ts"
import { fromFsError } from "./localErrors.ts"
import type { IncompleteWrite } from "./StorageEngine.ts"
import { isTempFileName } from "./tempFileName.ts"

/**
 * The local engine's temp files below a prefix, and their removal. The walk streams directory by directory
 * (no list of the whole library in memory) and never follows a symbolic link: every temp file is created in
 * a real folder inside the root, so the real folders are enough, and a link can never lead the clean-up out.
 */
export const makeLocalIncompleteWrites = (name: string, realRoot: string, isInside: (real: string) => boolean) => {
  const io = <A>(operation: string, key: string | undefined, run: () => Promise<A>): Effect.Effect<A, StorageError> =>
    Effect.tryPromise({ try: run, catch: fromFsError(name, operation, key) })

  const list = (prefix: StoragePrefix): Stream.Stream<IncompleteWrite, StorageError> => {
    const onError = fromFsError(name, "look for leftovers in", prefix === "" ? undefined : prefix)
    return Stream.suspend(() => Stream.fromAsyncIterable(tempFilesBelow(realRoot, prefix, isInside), onError))
  }

  const remove = Effect.fn("LocalEngine.removeIncompleteWrite")(function*(write: IncompleteWrite, key: StorageKey) {
    // Only ever a temp file of ours: the name is checked again here, whoever built `write`.
    const isTempFile = write.kind === "temp-file" && isTempFileName(path.posix.basename(key))
    if (!isTempFile) return yield* new InvalidKey({ key, reason: "it is not a temp file of this engine" })
    const gone = () => Effect.succeed(undefined)
    const parent = path.join(realRoot, path.posix.dirname(key))
    const realParent = yield* io("remove a leftover", key, () => fs.realpath(parent)).pipe(
      Effect.catchTag("ObjectNotFound", gone)
    )
    if (realParent === undefined || !isInside(realParent)) return
    const file = path.join(realParent, path.posix.basename(key))
    const stats = yield* io("remove a leftover", key, () => fs.lstat(file)).pipe(
      Effect.catchTag("ObjectNotFound", gone)
    )
    if (stats === undefined || !stats.isFile()) return
    yield* io("remove a leftover", key, () => fs.rm(file, { force: true }))
  })

  return { listIncompleteWrites: list, removeIncompleteWrite: remove }
}

/** A file's last change: `ctime` cannot be set back by `utimes` (a sync dates its temp file like the source). */
const lastTouched = (stats: { mtimeMs: number; ctimeMs: number }) => new Date(Math.max(stats.mtimeMs, stats.ctimeMs))

async function* tempFilesBelow(
  realRoot: string,
  prefix: string,
  isInside: (real: string) => boolean
): AsyncGenerator<IncompleteWrite> {
  const start = prefix === "" ? realRoot : await fs.realpath(path.join(realRoot, prefix)).catch(ignoreMissing)
  if (start === undefined || !isInside(start)) return
  const pending: Array<{ dir: string; dirKey: string }> = [{ dir: start, dirKey: prefix }]
  while (pending.length > 0) {
    const { dir, dirKey } = pending.pop()!
    const handle = await fs.opendir(dir).catch(ignoreMissing)
    if (handle === undefined) continue
    for await (const entry of handle) {
      const key = dirKey === "" ? entry.name : `${dirKey}/${entry.name}`
      // Dirent types come from lstat: a link to a folder is not a folder here, a link to a file not a file.
      if (entry.isDirectory()) pending.push({ dir: path.join(dir, entry.name), dirKey: key })
      else if (entry.isFile() && isTempFileName(entry.name)) {
        const stats = await fs.lstat(path.join(dir, entry.name)).catch(ignoreMissing)
        if (stats?.isFile() === true) yield { kind: "temp-file", key, startedAt: lastTouched(stats), size: stats.size }
      }
    }
  }
}

/** A folder or file that vanished while walking (a write finished, a folder was deleted) is simply not there. */
const ignoreMissing = (error: NodeJS.ErrnoException): undefined => {
  if (error.code === "ENOENT" || error.code === "ENOTDIR") return undefined
  throw error
}
