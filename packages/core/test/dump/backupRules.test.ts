import { describe, expect, it } from "vitest"
import fc from "fast-check"
import { backupFileName, isStaleTempName, newestFirst, parseBackupName, planRetention } from "@immich-storage/core"
import type { BackupFile } from "@immich-storage/core"

describe("backup names", () => {
  it("names backups as Immich does, and reads them back", () => {
    const name = backupFileName(new Date(Date.UTC(2026, 10, 24, 2, 0, 5)), "0.1.0", "15.19 (Debian 15.19-0+deb12u1)")
    expect(name).toBe("immich-db-backup-20261124T020005-v0.1.0-pg15.19Debian15.19-0deb12u1.sql.gz")
    expect(parseBackupName(name)).toEqual({ name, kind: "routine", takenAt: new Date(Date.UTC(2026, 10, 24, 2, 0, 5)) })
  })

  it("recognises Immich's own names, old and new, and the protected prefixes", () => {
    expect(parseBackupName("immich-db-backup-20250729T020000-v1.137.3-pg14.17.sql.gz")?.kind).toBe("routine")
    expect(parseBackupName("immich-db-backup-1739865600000.sql.gz")).toEqual({
      name: "immich-db-backup-1739865600000.sql.gz",
      kind: "routine",
      takenAt: new Date(1739865600000)
    })
    expect(parseBackupName("uploaded-immich-db-backup-20250729T020000-v1.137.3-pg14.17.sql.gz")?.kind).toBe("uploaded")
    expect(parseBackupName("restore-point-20250729.sql.gz")?.kind).toBe("restore-point")
    expect(parseBackupName("manual.sql")?.kind).toBe("other")
    expect(parseBackupName(".immich")).toBeUndefined()
    expect(parseBackupName("notes.txt")).toBeUndefined()
    expect(isStaleTempName("immich-db-backup-20250729T020000-v1.137.3-pg14.17.sql.gz.tmp")).toBe(true)
    expect(isStaleTempName("immich-db-backup-20250729T020000-v1.137.3-pg14.17.sql.gz")).toBe(false)
  })
})

const time = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }).map((t) => new Date(Math.floor(t / 1000) * 1000))
const file: fc.Arbitrary<BackupFile> = fc.oneof(
  time.map((t) => ({ ...parseBackupName(backupFileName(t, "0.1.0", "15.19"))!, size: 1, lastModified: t })),
  time.map((t) => ({ name: `uploaded-${t.getTime()}.sql.gz`, kind: "uploaded" as const, takenAt: undefined, size: 1, lastModified: t })),
  time.map((t) => ({ name: `restore-point-${t.getTime()}.sql.gz`, kind: "restore-point" as const, takenAt: undefined, size: 1, lastModified: t })),
  time.map((t) => ({ name: `other-${t.getTime()}.sql`, kind: "other" as const, takenAt: undefined, size: 1, lastModified: t }))
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
