import {
  DEFAULT_LEFTOVER_MAX_AGE_MS,
  formatDuration,
  HOUR_MS,
  IMMICH_LOCK_IDS,
  isLeftover,
  isOursByName,
  isTempFileName,
  LOCK_IDS,
  parseDuration,
  parseLeftoverEnv,
  problemsOf,
  tempFileName
} from "@immich-storage/core"
import type { LeftoverCandidate, LeftoverKind } from "@immich-storage/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

const now = new Date(Date.UTC(2026, 10, 29, 12))
const folder = fc.array(fc.constantFrom("upload", "thumbs", "u1", "ab", "backups", "library"), { maxLength: 3 })
  .map((parts) => parts.join("/"))
const inFolder = (dir: string, name: string) => (dir === "" ? name : `${dir}/${name}`)
const ourTempName = fc.uuid({ version: 4 }).map((uuid) => `.immich-storage-${uuid}.tmp`)
const backupTempName = fc.stringMatching(/^[0-9T]{1,15}-v[0-9.]{1,6}-pg[0-9.]{1,5}$/)
  .map((s) => `immich-db-backup-${s}.sql.gz.tmp`)
/** Names a user may well have: near misses of ours included. */
const userName = fc.oneof(
  fc.string({ minLength: 1, maxLength: 30 })
    .filter((s) => !s.includes("/") && s !== "." && s !== ".." && !s.startsWith(".immich-storage-")),
  fc.constantFrom(
    ".immich-storage-notes.tmp",
    ".immich-storage-.tmp",
    "immich-storage-0b7e5c1a-3f2d-4e6a-9c8b-1d2e3f4a5b6c.tmp",
    ".immich-storage-0B7E5C1A-3F2D-4E6A-9C8B-1D2E3F4A5B6C.tmp",
    ".immich-storage-0b7e5c1a-3f2d-4e6a-9c8b-1d2e3f4a5b6c.tmp.jpg",
    "photo.tmp",
    "IMG_0001.JPG",
    "immich-db-backup-20250729T020000-v1.137.3-pg14.17.sql.gz",
    "manual-backup.sql.gz.tmp"
  )
)
const age = fc.integer({ min: -HOUR_MS, max: 400 * HOUR_MS })
const threshold = fc.integer({ min: 0, max: 200 * HOUR_MS })
const candidate = (kind: LeftoverKind, key: string, ageMs: number): LeftoverCandidate => ({
  kind,
  key,
  startedAt: new Date(now.getTime() - ageMs),
  size: 1
})

describe("which items are crash leftovers", () => {
  it("an engine temp file goes exactly when it is older than the threshold", () => {
    fc.assert(fc.property(folder, ourTempName, age, threshold, (dir, name, ageMs, maxAge) => {
      expect(isLeftover(candidate("temp-file", inFolder(dir, name), ageMs), now, maxAge)).toBe(ageMs > maxAge)
    }))
  })

  it("a user's file never goes, however old, whatever it is listed as", () => {
    const kinds = fc.constantFrom<LeftoverKind>("temp-file", "backup-temp")
    fc.assert(fc.property(folder, userName, age, threshold, kinds, (dir, name, ageMs, maxAge, kind) => {
      const key = inFolder(dir, name)
      fc.pre(!(kind === "backup-temp" && key === `backups/${name}` && /^immich-db-backup-.*\.sql\.gz\.tmp$/.test(name)))
      expect(isLeftover(candidate(kind, key, ageMs), now, maxAge)).toBe(false)
    }))
  })

  it("Immich's unfinished dumps go only from backups/ itself", () => {
    fc.assert(fc.property(folder, backupTempName, age, threshold, (dir, name, ageMs, maxAge) => {
      const key = inFolder(dir, name)
      expect(isLeftover(candidate("backup-temp", key, ageMs), now, maxAge)).toBe(dir === "backups" && ageMs > maxAge)
    }))
  })

  it("an incomplete upload goes when it was started longer ago than the threshold", () => {
    fc.assert(fc.property(folder, userName, age, threshold, (dir, name, ageMs, maxAge) => {
      expect(isLeftover(candidate("multipart-upload", inFolder(dir, name), ageMs), now, maxAge)).toBe(ageMs > maxAge)
    }))
  })

  it("the engine names its temp files so that the rule recognises them, and nothing else looks like one", () => {
    for (let i = 0; i < 50; i++) {
      expect(isOursByName({ kind: "temp-file", key: `upload/x/${tempFileName()}` })).toBe(true)
    }
    fc.assert(fc.property(userName, (name) => {
      expect(isTempFileName(name)).toBe(false)
    }))
  })
})

describe("the leftover age setting", () => {
  it("reads hours or durations, defaults to a day, and names the variable when it cannot read it", () => {
    expect(parseLeftoverEnv({})).toEqual({ ok: true, settings: { maxAgeMs: DEFAULT_LEFTOVER_MAX_AGE_MS } })
    expect(DEFAULT_LEFTOVER_MAX_AGE_MS).toBe(24 * HOUR_MS)
    expect(parseLeftoverEnv({ IMMICH_LEFTOVER_MAX_AGE: "0" })).toEqual({ ok: true, settings: { maxAgeMs: 0 } })
    expect(parseDuration("48")).toBe(48 * HOUR_MS)
    expect(parseDuration("1.5h")).toBe(1.5 * HOUR_MS)
    expect(parseDuration("90m")).toBe(90 * 60_000)
    expect(parseDuration("7d")).toBe(7 * 24 * HOUR_MS)
    expect(parseDuration(" 30s ")).toBe(30_000)
    for (const bad of ["-1", "1 week", "h", "24hours", "1e3", "99999999d", ""]) {
      const problems = problemsOf(parseLeftoverEnv({ IMMICH_LEFTOVER_MAX_AGE: bad === "" ? "x" : bad }))
      expect(problems).toHaveLength(1)
      expect(problems[0]!.variable).toBe("IMMICH_LEFTOVER_MAX_AGE")
      expect(problems[0]!.problem).toMatch(/not an age; use a number of hours or a duration such as 24h/)
    }
  })

  it("prints a duration so that it reads back as the same", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 3650 * 24 * 3600 }).map((s) => s * 1000), (ms) => {
      expect(parseDuration(formatDuration(ms))).toBe(ms)
    }))
  })
})

describe("advisory lock ids", () => {
  it("are all different, and ours never equal one of Immich's", () => {
    const ids = Object.values(LOCK_IDS)
    expect(new Set(ids).size).toBe(ids.length)
    const ours = [LOCK_IDS.adminBootstrap, LOCK_IDS.leftoverCleanup]
    for (const id of ours) expect(IMMICH_LOCK_IDS).not.toContain(id)
    for (const id of [LOCK_IDS.migrations, LOCK_IDS.backup, LOCK_IDS.mediaLocation]) {
      expect(IMMICH_LOCK_IDS).toContain(id)
    }
  })
})
