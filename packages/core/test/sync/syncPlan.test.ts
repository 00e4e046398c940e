import { globToRegExp, planSync } from "@immich-storage/core"
import type { ListedFile } from "@immich-storage/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

const key: fc.Arbitrary<string> = fc.constantFrom(
  "upload/a.jpg",
  "upload/b.jpg",
  "thumbs/a.webp",
  "thumbs/b.webp",
  "backups/x.sql.gz",
  "upload/.immich",
  "profile/p.png"
)
const file = fc.record({
  key,
  size: fc.integer({ min: 0, max: 3 }),
  lastModified: fc.integer({ min: 0, max: 5 }).map((s) => new Date(s * 1000 + 250))
})
const listing = fc.uniqueArray(file, { selector: (f) => f.key })
const keys = (files: ReadonlyArray<ListedFile>) => files.map((f) => f.key).sort()

describe("planSync", () => {
  it("puts every source file in exactly one of copy / unchanged, and every destination-only file in extra", () => {
    fc.assert(fc.property(listing, listing, (src, dst) => {
      const plan = planSync(src, dst)
      expect([...keys(plan.copy), ...keys(plan.unchanged)].sort()).toEqual(keys(src))
      expect(keys(plan.extra)).toEqual(keys(dst.filter((d) => !src.some((s) => s.key === d.key))))
    }))
  })

  it("after copying the plan, a second plan has nothing to copy and nothing extra once extras are deleted", () => {
    fc.assert(fc.property(listing, listing, (src, dst) => {
      const plan = planSync(src, dst)
      const after = new Map(dst.map((d) => [d.key, d]))
      for (const c of plan.copy) after.set(c.key, { key: c.key, size: c.size, lastModified: c.lastModified })
      for (const e of plan.extra) after.delete(e.key)
      const again = planSync(src, [...after.values()])
      expect(again.copy).toEqual([])
      expect(again.extra).toEqual([])
    }))
  })

  it("copies what is missing, resized or newer by a whole second, like aws s3 sync", () => {
    const t = (s: number) => new Date(s)
    const plan = planSync(
      [
        { key: "new.jpg", size: 1, lastModified: t(5000) },
        { key: "resized.jpg", size: 2, lastModified: t(5000) },
        { key: "newer.jpg", size: 1, lastModified: t(7000) },
        { key: "same-second.jpg", size: 1, lastModified: t(5900) },
        { key: "older.jpg", size: 1, lastModified: t(1000) }
      ],
      [
        { key: "resized.jpg", size: 1, lastModified: t(5000) },
        { key: "newer.jpg", size: 1, lastModified: t(5000) },
        { key: "same-second.jpg", size: 1, lastModified: t(5000) },
        { key: "older.jpg", size: 1, lastModified: t(5000) },
        { key: "extra.jpg", size: 1, lastModified: t(5000) }
      ]
    )
    expect(plan.copy.map((c) => [c.key, c.reason])).toEqual([["new.jpg", "missing"], ["resized.jpg", "size"], [
      "newer.jpg",
      "newer"
    ]])
    expect(keys(plan.unchanged)).toEqual(["older.jpg", "same-second.jpg"])
    expect(keys(plan.extra)).toEqual(["extra.jpg"])
  })

  it("leaves excluded files out on both sides, so --delete never removes them", () => {
    const t = new Date(0)
    const plan = planSync(
      [{ key: "upload/a.jpg", size: 1, lastModified: t }, { key: "thumbs/a.webp", size: 1, lastModified: t }],
      [{ key: "thumbs/old.webp", size: 1, lastModified: t }],
      { excludes: ["thumbs/*"] }
    )
    expect(keys(plan.copy)).toEqual(["upload/a.jpg"])
    expect(plan.extra).toEqual([])
    expect(plan.excluded).toBe(1)
    expect(globToRegExp("*.tmp").test("upload/x/y.tmp")).toBe(true)
    expect(globToRegExp("upload/?.jpg").test("upload/ab.jpg")).toBe(false)
    expect(globToRegExp("a+b(1).jpg").test("a+b(1).jpg")).toBe(true)
  })
})
