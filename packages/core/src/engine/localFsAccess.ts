/**
 * How the local walk reaches the disk: synchronous calls while the storage answers fast (no promise at all),
 * calls in libuv's pool, STAT_BATCH at a time, once it turns out slow (a network share, a cold disk).
 */
import * as fsSync from "node:fs"
import * as fs from "node:fs/promises"
import { makeSpeedJudge } from "./speedJudge.ts"

/** Calls in flight at most on slow storage, where stats and link resolutions run in libuv's pool. */
const STAT_BATCH = 256

/**
 * Average time per stat (or per directory entry read) above which a walk stops using synchronous calls:
 * a network share or a cold disk.
 */
export const SLOW_STAT_MS = 0.2

export type MaybePromise<A> = A | Promise<A>

/** `f` of a value that may still be coming: at once when it is here, so the fast path makes no promise. */
export const andThen = <A, B>(value: MaybePromise<A>, f: (a: A) => MaybePromise<B>): MaybePromise<B> =>
  value instanceof Promise ? value.then(f) : f(value)

/** `each` of every item, STAT_BATCH at a time. */
export const inBatches = async <A, B>(
  items: ReadonlyArray<A>,
  each: (item: A, i: number) => Promise<B>
): Promise<Array<B>> => {
  const results: Array<B> = []
  for (let i = 0; i < items.length; i += STAT_BATCH) {
    results.push(...await Promise.all(items.slice(i, i + STAT_BATCH).map((item, j) => each(item, i + j))))
  }
  return results
}

const statSync = (p: string | undefined) => {
  if (p === undefined) return undefined
  try {
    return fsSync.statSync(p, { throwIfNoEntry: false })
  } catch {
    return undefined
  }
}

const statAsync = (p: string | undefined): Promise<fsSync.Stats | undefined> =>
  p === undefined ? Promise.resolve(undefined) : fs.stat(p).catch(() => undefined)

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

const statted = (paths: ReadonlyArray<string | undefined>) => paths.reduce((n, p) => (p === undefined ? n : n + 1), 0)

/** Reads directories and stats files, judged by `makeSpeedJudge`; `slow()` says which way it goes now. */
export const makeFsAccess = (slowMs: number) => {
  const judge = makeSpeedJudge(slowMs)
  return {
    slow: judge.slow,
    readdir: (dir: string): MaybePromise<Array<fsSync.Dirent>> =>
      judge.slow() ? readdirAsync(dir) : judge.timed(() => readdirSync(dir), (entries) => entries.length + 1),
    /** STAT_BATCH at a time, judged after each: a large folder on a share turns to the pool part-way through. */
    statMany: (paths: ReadonlyArray<string | undefined>): MaybePromise<Array<fsSync.Stats | undefined>> => {
      const stats: Array<fsSync.Stats | undefined> = []
      for (let i = 0; i < paths.length; i += STAT_BATCH) {
        if (judge.slow()) return inBatches(paths.slice(i), statAsync).then((rest) => [...stats, ...rest])
        const batch = paths.length <= STAT_BATCH ? paths : paths.slice(i, i + STAT_BATCH)
        stats.push(...judge.timed(() => batch.map(statSync), () => statted(batch)))
      }
      return stats
    }
  }
}

export type FsAccess = ReturnType<typeof makeFsAccess>
