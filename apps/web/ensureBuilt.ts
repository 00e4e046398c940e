/**
 * `npm start` runs this first: builds the page with Vite when apps/web/dist is missing or older than any of
 * its sources, and does nothing (a few stat calls) otherwise. The build goes to a temporary folder that
 * replaces dist/ at the end, so a server never serves half a build; a lock makes starts (or test files)
 * that find the page stale at the same time build it once.
 */
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const WEB = path.dirname(fileURLToPath(import.meta.url))
const DIST = path.join(WEB, "dist")
const SOURCES = ["src", "index.html", "vite.config.ts", "package.json"]

const newestMtime = async (entry: string): Promise<number> => {
  const stat = await fs.stat(entry)
  if (!stat.isDirectory()) return stat.mtimeMs
  const children = await fs.readdir(entry, { recursive: true, withFileTypes: true })
  const times = await Promise.all(
    children.filter((c) => c.isFile()).map(async (c) => (await fs.stat(path.join(c.parentPath, c.name))).mtimeMs)
  )
  return Math.max(stat.mtimeMs, ...times)
}

/** Why the page must be built, or undefined when dist/ is up to date. */
export const buildReason = async (): Promise<string | undefined> => {
  const built = await fs.stat(path.join(DIST, "index.html")).catch(() => undefined)
  if (built === undefined) return "apps/web/dist is missing"
  const sources = Math.max(...(await Promise.all(SOURCES.map((s) => newestMtime(path.join(WEB, s))))))
  return sources > built.mtimeMs ? "apps/web has changed since the last build" : undefined
}

export const buildWebPage = async (): Promise<void> => {
  const { build } = await import("vite")
  const staging = path.join(WEB, `.dist-${process.pid}`)
  await build({ configFile: path.join(WEB, "vite.config.ts"), logLevel: "warn", build: { outDir: staging } })
  await fs.rm(DIST, { recursive: true, force: true })
  await fs.rename(staging, DIST)
}

const LOCK = path.join(WEB, ".build-lock")
/** A lock older than this was left by a build that died: it is taken over. */
const STALE_LOCK_MS = 120_000

/** Runs `work` while holding the build lock (a directory: mkdir is atomic), so that one build runs at a time. */
const withBuildLock = async <A>(work: () => Promise<A>): Promise<A> => {
  for (;;) {
    try {
      await fs.mkdir(LOCK)
      break
    } catch {
      const lock = await fs.stat(LOCK).catch(() => undefined)
      if (lock !== undefined && Date.now() - lock.mtimeMs > STALE_LOCK_MS)
        await fs.rm(LOCK, { recursive: true, force: true })
      else await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  try {
    return await work()
  } finally {
    await fs.rm(LOCK, { recursive: true, force: true })
  }
}

/** Builds the page when it is missing or stale; true when it built (false: another start just did). */
export const ensureWebPageBuilt = async (): Promise<boolean> => {
  if ((await buildReason()) === undefined) return false
  return withBuildLock(async () => {
    const reason = await buildReason()
    if (reason === undefined) return false
    const started = Date.now()
    console.log(`Building the web page (${reason})...`)
    await buildWebPage()
    console.log(`Built the web page in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    return true
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await ensureWebPageBuilt()
