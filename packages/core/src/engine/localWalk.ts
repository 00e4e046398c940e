import * as fsSync from "node:fs"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { compareKeys } from "../location/StorageKey.ts"
import { makeSpeedJudge } from "./speedJudge.ts"
import { isTempFileName } from "./tempFileName.ts"

const STAT_BATCH = 256

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

/**
 * Average time per stat (or per directory entry read) above which a walk stops using synchronous calls:
 * a network share or a cold disk.
 */
export const SLOW_STAT_MS = 0.2

const statSync = (p: string | undefined) => {
  if (p === undefined) return undefined
  try {
    return fsSync.statSync(p, { throwIfNoEntry: false })
  } catch {
    return undefined
  }
}

const readdirSync = (dir: string): Array<fsSync.Dirent> => {
  try {
    return fsSync.readdirSync(dir, { withFileTypes: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return []
    throw error
  }
}

const readdirAsync = (dir: string): Promise<Array<fsSync.Dirent>> =>
  fs.readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) =>
    error.code === "ENOENT" ? [] : Promise.reject(error)
  )

/** Reads directories and stats files: synchronously while the storage is fast, else in parallel (`makeSpeedJudge`). */
const makeFsAccess = (slowMs: number) => {
  const judge = makeSpeedJudge(slowMs)
  return {
    readdir: async (dir: string): Promise<Array<fsSync.Dirent>> =>
      judge.slow() ? readdirAsync(dir) : judge.timed(() => readdirSync(dir), (entries) => entries.length + 1),
    statMany: async (paths: ReadonlyArray<string | undefined>): Promise<Array<fsSync.Stats | undefined>> => {
      if (judge.slow()) return statAll(paths)
      return judge.timed(() => paths.map(statSync), () => paths.reduce((n, p) => (p === undefined ? n : n + 1), 0))
    }
  }
}

/** Files per yield of the walk, whatever the directories they are in. */
const YIELD_BATCH = 512

/** Subdirectories read (readdir and stat) ahead of the one being walked: on a network share they overlap. */
const DIRS_AHEAD = 4

type FsAccess = ReturnType<typeof makeFsAccess>

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

/** A directory's files and subdirectories, sorted; the walk yields them later, in this order. */
const dirReader =
  (access: FsAccess, isInside: (real: string) => boolean, hash: FileHash | undefined) =>
  async (dir: string, dirKey: string): Promise<Array<Entry>> => {
    const entries = await access.readdir(dir)
    const candidates = entries.filter((entry) => !isTempFileName(entry.name))
    const resolved: Array<Entry> = []
    // Not path.join: `dir` is already a clean real path, and joining a million names showed in the profile.
    const inDir = dir.endsWith("/") ? dir : `${dir}/`
    for (let i = 0; i < candidates.length; i += STAT_BATCH) {
      const batch = candidates.slice(i, i + STAT_BATCH)
      // Links are resolved (and refused when they leave the root) before anything is stat'ed through them.
      const reals = batch.map((entry) => entry.isDirectory() || entry.isFile() ? inDir + entry.name : undefined)
      await Promise.all(batch.map(async (entry, j) => {
        if (!entry.isSymbolicLink()) return
        const target = await fs.realpath(inDir + entry.name).catch(() => undefined)
        reals[j] = target !== undefined && isInside(target) ? target : undefined
      }))
      // A directory needs no stat (its size and time are not listed), unless it was reached through a link.
      const stats = await access.statMany(reals.map((real, j) => (batch[j]!.isDirectory() ? undefined : real)))
      batch.forEach((entry, j) => {
        const real = reals[j]
        const stat = stats[j]
        if (real === undefined || (stat === undefined && !entry.isDirectory())) return
        const key = dirKey === "" ? entry.name : `${dirKey}/${entry.name}`
        if (stat === undefined || stat.isDirectory()) resolved.push({ sortKey: `${key}/`, key, real, isDir: true })
        else if (stat.isFile()) {
          // The time as a number: a Date (and Node's lazy `mtime` property) for each of a million files showed.
          const info = { key, size: stat.size, mtimeMs: stat.mtimeMs, md5: hash?.(real, stat.size) }
          resolved.push({ sortKey: key, key, real, isDir: false, info })
        }
      })
    }
    return resolved.sort((a, b) => compareKeys(a.sortKey, b.sortKey))
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
  const readDir = dirReader(makeFsAccess(slowStatMs), isInside, hash)
  const start = prefix === "" ? realRoot : await fs.realpath(path.join(realRoot, prefix)).catch(() => undefined)
  if (start === undefined || !isInside(start)) return
  const startStats = await fs.stat(start)
  if (!startStats.isDirectory()) return
  // Files gathered across directories: one yield per directory (of a few files, in Immich's layout) cost
  // more in the stream above than reading the directory did.
  let batch: Array<WalkedFile> = []
  yield* walkDir(start, prefix, readDir(start, prefix))
  if (batch.length > 0) yield batch

  async function* walkDir(
    dir: string,
    dirKey: string,
    read: Promise<Array<Entry>>
  ): AsyncGenerator<ReadonlyArray<WalkedFile>> {
    if (ancestors.has(dir)) return
    ancestors.add(dir)
    const resolved = resumed(await read)
    const subdirs = resolved.filter((entry) => entry.isDir)
    const ahead: Array<Promise<Array<Entry>>> = []
    const readAhead = (index: number) => {
      const subdir = subdirs[index]
      if (subdir === undefined || ahead[index] !== undefined) return
      const reading = readDir(subdir.real, subdir.key)
      // A read the walk never reaches (it was stopped, or the directory is a link cycle) must not fail unseen.
      reading.catch(() => undefined)
      ahead[index] = reading
    }
    let next = 0
    for (const entry of resolved) {
      if (entry.isDir) {
        for (let i = next; i < next + DIRS_AHEAD; i++) readAhead(i)
        const reading = ahead[next]!
        delete ahead[next++]
        yield* walkDir(entry.real, entry.key, reading)
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
    ancestors.delete(dir)
  }
}
