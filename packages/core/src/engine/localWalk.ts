import type * as fsSync from "node:fs"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { compareKeys } from "../location/StorageKey.ts"
import { andThen, inBatches, makeFsAccess } from "./localFsAccess.ts"
import type { FsAccess, MaybePromise } from "./localFsAccess.ts"
import { isTempFileName } from "./tempFileName.ts"

/** Files per yield of the walk, whatever the directories they are in. */
const YIELD_BATCH = 512

/** Subdirectories read (readdir and stat) ahead of the one being walked: on a network share they overlap. */
const DIRS_AHEAD = 4

/** A file's MD5 from its real path and size, when it is hashed while listing. */
type FileHash = (real: string, size: number) => string | undefined

interface Entry {
  readonly sortKey: string
  readonly key: string
  readonly real: string
  readonly isDir: boolean
  readonly info?: WalkedFile
}

/** A file the walk found: its key, size and modification time (milliseconds since the epoch). */
export interface WalkedFile {
  readonly key: string
  readonly size: number
  readonly mtimeMs: number
  /** With `hash`: the MD5 of the file's bytes as read (hex); undefined when not hashed, or not readable. */
  readonly md5?: string | undefined
}

/** The real path of each entry: links resolved, and refused (undefined) when they leave the root. */
const realsOf = (
  inDir: string,
  entries: ReadonlyArray<fsSync.Dirent>,
  isInside: (real: string) => boolean
): MaybePromise<Array<string | undefined>> => {
  const reals = entries.map((entry) => entry.isDirectory() || entry.isFile() ? inDir + entry.name : undefined)
  if (!entries.some((entry) => entry.isSymbolicLink())) return reals
  return inBatches(entries, async (entry, i) => {
    if (!entry.isSymbolicLink()) return reals[i]
    const target = await fs.realpath(inDir + entry.name).catch(() => undefined)
    return target !== undefined && isInside(target) ? target : undefined
  })
}

const bySortKey = (a: Entry, b: Entry) => compareKeys(a.sortKey, b.sortKey)

/** A directory's files and subdirectories, sorted; the walk yields them later, in this order. */
const dirReader =
  (access: FsAccess, isInside: (real: string) => boolean, hash: FileHash | undefined) =>
  (dir: string, dirKey: string): MaybePromise<Array<Entry>> =>
    andThen(access.readdir(dir), (all) => {
      const entries = all.filter((entry) => !isTempFileName(entry.name))
      // Not path.join: `dir` is already a clean real path, and joining a million names showed in the profile.
      const inDir = dir.endsWith("/") ? dir : `${dir}/`
      // Links are resolved (and refused when they leave the root) before anything is stat'ed through them.
      return andThen(realsOf(inDir, entries, isInside), (reals) =>
        // A directory needs no stat (its size and time are not listed), unless it was reached through a link.
        andThen(access.statMany(reals.map((real, i) => (entries[i]!.isDirectory() ? undefined : real))), (stats) => {
          const resolved: Array<Entry> = []
          entries.forEach((entry, i) => {
            const real = reals[i]
            const stat = stats[i]
            if (real === undefined || (stat === undefined && !entry.isDirectory())) return
            const key = dirKey === "" ? entry.name : `${dirKey}/${entry.name}`
            if (stat === undefined || stat.isDirectory()) resolved.push({ sortKey: `${key}/`, key, real, isDir: true })
            else if (stat.isFile()) {
              // The time as a number: a Date (and Node's lazy `mtime` property) for each of a million files showed.
              const info = { key, size: stat.size, mtimeMs: stat.mtimeMs, md5: hash?.(real, stat.size) }
              resolved.push({ sortKey: key, key, real, isDir: false, info })
            }
          })
          return resolved.length < 2 ? resolved : resolved.sort(bySortKey)
        }))
    })

/** A directory being walked: its entries, the next to yield or enter, and the subdirectories read ahead. */
interface Level {
  readonly dir: string
  readonly entries: ReadonlyArray<Entry>
  at: number
  readonly subdirs: ReadonlyArray<Entry>
  dirsSeen: number
  readonly ahead: Array<MaybePromise<Array<Entry>>>
}

/**
 * Yields the files below `prefix` (those after the key `after`, when given), YIELD_BATCH at a time, in UTF-8
 * byte order of their keys.
 * Directories sort as `name/`, which is where their keys fall. Links are followed only while they stay
 * inside the root, and each real directory is visited once, so link cycles end. The next DIRS_AHEAD
 * subdirectories of each directory are read while the walk is inside an earlier one (memory: that many
 * directories' entries per level).
 */
export async function* walk(
  realRoot: string,
  prefix: string,
  isInside: (real: string) => boolean,
  slowStatMs: number,
  after?: string,
  hash?: FileHash
): AsyncGenerator<ReadonlyArray<WalkedFile>> {
  const ancestors = new Set<string>()
  // Resuming after a key: what sorts at or before it is skipped, but a folder on the way to it is entered.
  let resumeAfter = after
  const resumed = (entries: Array<Entry>): Array<Entry> => {
    const from = resumeAfter
    if (from === undefined) return entries
    return entries.filter((e) => compareKeys(e.sortKey, from) > 0 || (e.isDir && from.startsWith(e.sortKey)))
  }
  const access = makeFsAccess(slowStatMs)
  const readDir = dirReader(access, isInside, hash)
  const start = prefix === "" ? realRoot : await fs.realpath(path.join(realRoot, prefix)).catch(() => undefined)
  if (start === undefined || !isInside(start)) return
  const startStats = await fs.stat(start)
  if (!startStats.isDirectory()) return
  // Files gathered across directories: one yield per directory (of a few files, in Immich's layout) cost
  // more in the stream above than reading the directory did.
  let batch: Array<WalkedFile> = []
  // The directories being walked, innermost last: one generator however deep the tree, not one per directory.
  const stack: Array<Level> = []
  const enter = (dir: string, entries: Array<Entry>) => {
    ancestors.add(dir)
    const resolved = resumed(entries)
    stack.push({
      dir,
      entries: resolved,
      at: 0,
      subdirs: resolved.filter((entry) => entry.isDir),
      dirsSeen: 0,
      ahead: []
    })
  }
  const first = readDir(start, prefix)
  enter(start, first instanceof Promise ? await first : first)
  for (let level = stack.at(-1); level !== undefined; level = stack.at(-1)) {
    const entry = level.entries[level.at++]
    if (entry === undefined) {
      ancestors.delete(level.dir)
      stack.pop()
    } else if (entry.isDir) {
      const index = level.dirsSeen++
      // Reads overlap only where they wait (slow storage); on a fast disk each directory is read when entered.
      if (access.slow()) { for (let i = index; i < index + DIRS_AHEAD; i++) readAhead(level, i) }
      const reading = level.ahead[index]
      delete level.ahead[index]
      if (ancestors.has(entry.real)) continue
      const read = reading ?? readDir(entry.real, entry.key)
      enter(entry.real, read instanceof Promise ? await read : read)
    } else {
      // Every entry from here on sorts after this file, which sorts after `after`.
      resumeAfter = undefined
      batch.push(entry.info!)
      if (batch.length >= YIELD_BATCH) {
        yield batch
        batch = []
      }
    }
  }
  if (batch.length > 0) yield batch

  function readAhead(level: Level, index: number) {
    const subdir = level.subdirs[index]
    if (subdir === undefined || level.ahead[index] !== undefined) return
    const reading = readDir(subdir.real, subdir.key)
    // A read the walk never reaches (it was stopped, or the directory is a link cycle) must not fail unseen.
    if (reading instanceof Promise) reading.catch(() => undefined)
    level.ahead[index] = reading
  }
}
