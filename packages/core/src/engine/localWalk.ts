import * as fsSync from "node:fs"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { compareKeys } from "../location/StorageKey.ts"
import type { ObjectInfo } from "./StorageEngine.ts"
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

/** Average time per stat above which a walk stops stat'ing synchronously: a network share or a cold disk. */
export const SLOW_STAT_MS = 0.05

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

/** Subdirectories read (readdir and stat) ahead of the one being walked: on a network share they overlap. */
const DIRS_AHEAD = 4

interface Entry {
  readonly sortKey: string
  readonly key: string
  readonly real: string
  readonly isDir: boolean
  readonly info?: ObjectInfo
}

/**
 * Yields the files below `prefix`, one directory's worth at a time, in UTF-8 byte order of their keys.
 * Directories sort as `name/`, which is where their keys fall. Links are followed only while they stay
 * inside the root, and each real directory is visited once, so link cycles end. The next DIRS_AHEAD
 * subdirectories of each directory are read while the walk is inside an earlier one (memory: that many
 * directories' entries per level).
 */
export async function* walk(
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
  yield* walkDir(start, prefix, readDir(start, prefix))

  /** A directory's files and subdirectories, sorted; the walk yields them later, in this order. */
  async function readDir(dir: string, dirKey: string): Promise<Array<Entry>> {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) =>
      error.code === "ENOENT" ? [] : Promise.reject(error)
    )
    const candidates = entries.filter((entry) => !isTempFileName(entry.name))
    const resolved: Array<Entry> = []
    for (let i = 0; i < candidates.length; i += STAT_BATCH) {
      const batch = candidates.slice(i, i + STAT_BATCH)
      // Links are resolved (and refused when they leave the root) before anything is stat'ed through them.
      const reals = batch.map((entry) => entry.isDirectory() || entry.isFile() ? path.join(dir, entry.name) : undefined)
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
        else if (stat.isFile()) {
          const info = { key, size: stat.size, lastModified: stat.mtime, etag: undefined }
          resolved.push({ sortKey: key, key, real, isDir: false, info })
        }
      })
    }
    return resolved.sort((a, b) => compareKeys(a.sortKey, b.sortKey))
  }

  async function* walkDir(
    dir: string,
    dirKey: string,
    read: Promise<Array<Entry>>
  ): AsyncGenerator<ReadonlyArray<ObjectInfo>> {
    if (ancestors.has(dir)) return
    ancestors.add(dir)
    const resolved = await read
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
    let batch: Array<ObjectInfo> = []
    let next = 0
    for (const entry of resolved) {
      if (entry.isDir) {
        if (batch.length > 0) yield batch
        batch = []
        for (let i = next; i < next + DIRS_AHEAD; i++) readAhead(i)
        const reading = ahead[next]!
        delete ahead[next++]
        yield* walkDir(entry.real, entry.key, reading)
      } else batch.push(entry.info!)
    }
    if (batch.length > 0) yield batch
    ancestors.delete(dir)
  }
}
