import {
  backupFileName,
  backupVersionOf,
  IMMICH_API_VERSION,
  isClusterDumpVersion,
  isStaleTempName,
  newestFirst,
  parseBackupName,
  parseImmichVersion,
  planRetention
} from "@immich-storage/core"
import type { BackupFile } from "@immich-storage/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

const at = (iso: string) => new Date(iso)
const named = (takenAt: Date, timeZone: string, postgresVersion = "15.19") =>
  backupFileName({ takenAt, immichVersion: IMMICH_API_VERSION, postgresVersion, timeZone })

describe("backup names", () => {
  it("names backups as Immich 3.2 does: local time, the Immich version, the first word of the pg version", () => {
    const takenAt = at("2026-11-24T02:00:05Z")
    const name = named(takenAt, "UTC", "15.19 (Debian 15.19-0+deb12u1)")
    expect(name).toBe("immich-db-backup-20261124T020005-v3.2.0-pg15.19.sql.gz")
    expect(parseBackupName(name, "UTC")).toEqual({ name, kind: "routine", takenAt })
    // Immich stamps with the server's local time (luxon's DateTime.now()), so do we.
    expect(named(takenAt, "Europe/Berlin")).toBe("immich-db-backup-20261124T030005-v3.2.0-pg15.19.sql.gz")
    expect(named(at("2026-07-01T23:30:00Z"), "Asia/Kolkata"))
      .toBe("immich-db-backup-20260702T050000-v3.2.0-pg15.19.sql.gz")
    expect(parseBackupName("immich-db-backup-20260702T050000-v3.2.0-pg15.19.sql.gz", "Asia/Kolkata")?.takenAt)
      .toEqual(at("2026-07-01T23:30:00Z"))
  })

  it("recognises Immich's own names, old and new, and the protected prefixes", () => {
    expect(parseBackupName("immich-db-backup-20250729T020000-v1.137.3-pg14.17.sql.gz", "UTC")?.kind).toBe("routine")
    expect(parseBackupName("immich-db-backup-1739865600000.sql.gz", "UTC")).toEqual({
      name: "immich-db-backup-1739865600000.sql.gz",
      kind: "routine",
      takenAt: new Date(1739865600000)
    })
    expect(parseBackupName("uploaded-immich-db-backup-20250729T020000-v1.137.3-pg14.17.sql.gz", "UTC")?.kind).toBe(
      "uploaded"
    )
    expect(parseBackupName("restore-point-20250729.sql.gz", "UTC")?.kind).toBe("restore-point")
    expect(parseBackupName("manual.sql", "UTC")?.kind).toBe("other")
    expect(parseBackupName(".immich", "UTC")).toBeUndefined()
    expect(parseBackupName("notes.txt", "UTC")).toBeUndefined()
    expect(isStaleTempName("immich-db-backup-20250729T020000-v1.137.3-pg14.17.sql.gz.tmp")).toBe(true)
    expect(isStaleTempName("immich-db-backup-20250729T020000-v1.137.3-pg14.17.sql.gz")).toBe(false)
  })

  it("tells a pre-2.5 cluster dump by the version in its name, as Immich's restore does", () => {
    const version = (name: string) => parseImmichVersion(backupVersionOf(name)!)!
    expect(isClusterDumpVersion(version("immich-db-backup-20250729T020000-v1.137.3-pg14.17.sql.gz"))).toBe(true)
    expect(isClusterDumpVersion(version("immich-db-backup-20251201T020000-v2.4.1-pg14.17.sql.gz"))).toBe(true)
    expect(isClusterDumpVersion(version("immich-db-backup-20260101T020000-v2.5.0-pg15.4.sql.gz"))).toBe(false)
    expect(backupVersionOf("immich-db-backup-20260103T020000-v0.1.0-pg15.19.sql.gz")).toBe("0.1.0")
  })
})

const instant = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) })
  .map((t) => new Date(Math.floor(t / 1000) * 1000))
/** As `SHOW server_version` answers. */
const postgresVersion = fc.tuple(
  fc.integer({ min: 14, max: 18 }),
  fc.integer({ min: 0, max: 40 }),
  fc.constantFrom("", " (Debian 15.19-0+deb12u1)", " (Ubuntu 16.4-1.pgdg24.04+1)")
).map(([major, minor, suffix]) => `${major}.${minor}${suffix}`)
const steadyZone = fc.constantFrom("UTC", "Asia/Kolkata", "Asia/Kathmandu", "America/Phoenix")
const daylightSavingZone = fc.constantFrom("Europe/Berlin", "America/New_York", "Australia/Lord_Howe")

describe("backup name rule (properties)", () => {
  it("reads back the instant it was written for, on a clock that never turns back", () => {
    fc.assert(fc.property(instant, postgresVersion, steadyZone, (t, pg, zone) => {
      const name = named(t, zone, pg)
      expect(parseBackupName(name, zone)).toEqual({ name, kind: "routine", takenAt: t })
    }))
  })

  it("names the same backup again from what it read back, in zones with daylight saving time", () => {
    fc.assert(fc.property(instant, daylightSavingZone, (t, zone) => {
      const name = named(t, zone)
      expect(named(parseBackupName(name, zone)!.takenAt!, zone)).toBe(name)
    }))
  })

  it("carries this server's Immich version, which Immich's restore takes for a single-database dump (> 2.4)", () => {
    fc.assert(fc.property(instant, postgresVersion, fc.oneof(steadyZone, daylightSavingZone), (t, pg, zone) => {
      const version = backupVersionOf(named(t, zone, pg))
      expect(version).toBe(IMMICH_API_VERSION)
      expect(isClusterDumpVersion(parseImmichVersion(version!)!)).toBe(false)
    }))
  })
})

const time = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }).map((t) =>
  new Date(Math.floor(t / 1000) * 1000)
)
const file: fc.Arbitrary<BackupFile> = fc.oneof(
  time.map((t) => ({ ...parseBackupName(named(t, "UTC"), "UTC")!, size: 1, lastModified: t })),
  time.map((t) => ({
    name: `uploaded-${t.getTime()}.sql.gz`,
    kind: "uploaded" as const,
    takenAt: undefined,
    size: 1,
    lastModified: t
  })),
  time.map((t) => ({
    name: `restore-point-${t.getTime()}.sql.gz`,
    kind: "restore-point" as const,
    takenAt: undefined,
    size: 1,
    lastModified: t
  })),
  time.map((t) => ({
    name: `other-${t.getTime()}.sql`,
    kind: "other" as const,
    takenAt: undefined,
    size: 1,
    lastModified: t
  }))
)
const files = fc.uniqueArray(file, { selector: (f) => f.name, maxLength: 40 })

describe("retention", () => {
  it("never deletes one of the newest N routine backups", () => {
    fc.assert(fc.property(files, fc.integer({ min: 1, max: 20 }), (all, keep) => {
      const deleted = new Set(planRetention(all, keep).map((f) => f.name))
      const newest = newestFirst(all.filter((f) => f.kind === "routine")).slice(0, keep)
      return newest.every((f) => !deleted.has(f.name))
    }))
  })

  it("deletes every routine backup past the newest N, and nothing else", () => {
    fc.assert(fc.property(files, fc.integer({ min: 1, max: 20 }), (all, keep) => {
      const deleted = planRetention(all, keep)
      const routine = all.filter((f) => f.kind === "routine").length
      expect(deleted.length).toBe(Math.max(0, routine - keep))
      expect(deleted.every((f) => f.kind === "routine")).toBe(true)
    }))
  })

  it("refuses to keep fewer than one", () => {
    expect(() => planRetention([], 0)).toThrow(/at least 1/)
  })
})
