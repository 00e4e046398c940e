import { compareKeys, ListingOutOfOrder, planSorted, planSync } from "@immich-storage/core"
import type { ListedFile, PlanEntry } from "@immich-storage/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

// The oracle is `planSync`, the planner over two whole listings that joins by key in a Map: it ignores
// order, so it is exactly what the ordered merge must agree with.

/** Characters that set the ordering traps: '-' < '.' < '/' < '0' < 'A' < '_' < 'a', and multi-byte/astral ones. */
const TRAPS = ["-", ".", "0", "A", "_", "a", "b", "é", "中", "\uFF01", "\uE000", "😀", "𝄞", " "]
const segment = fc.array(fc.constantFrom(...TRAPS), { minLength: 1, maxLength: 3 }).map((cs) => cs.join(""))
const key = fc.array(segment, { minLength: 1, maxLength: 3 }).map((ss) => ss.join("/"))
const file = fc.record({
  key,
  size: fc.integer({ min: 0, max: 2 }),
  lastModified: fc.integer({ min: 0, max: 3 }).map((s) => new Date(s * 1000 + 500))
})
const byKey = (a: ListedFile, b: ListedFile) => compareKeys(a.key, b.key)
const sortedListing = fc.uniqueArray(file, { selector: (f) => f.key, maxLength: 40 }).map((fs) => [...fs].sort(byKey))
const excludes = fc.constantFrom([], ["a*"], ["*/b"], ["*-*"], ["?"])

const utf8Order = (a: string, b: string) => Math.sign(Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")))

/** The merge's entries grouped the way `planSync` reports them, each group in key order. */
const grouped = (entries: ReadonlyArray<PlanEntry>) => ({
  copy: entries.flatMap((e) => (e._tag === "Copy" ? [[e.file.key, e.reason]] : [])),
  unchanged: entries.flatMap((e) => (e._tag === "Unchanged" ? [e.file.key] : [])),
  extra: entries.flatMap((e) => (e._tag === "Extra" ? [e.file.key] : [])),
  excluded: entries.filter((e) => e._tag === "Excluded").length
})

describe("compareKeys", () => {
  it("orders any two unicode strings as their UTF-8 bytes, astral characters included", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (a, b) => {
      expect(Math.sign(compareKeys(a, b))).toBe(utf8Order(a, b))
    }))
    fc.assert(fc.property(key, key, (a, b) => {
      expect(Math.sign(compareKeys(a, b))).toBe(utf8Order(a, b))
    }))
  })

  it("puts a/b after a-b and a.b, and U+FF01 before an astral emoji (UTF-16 would say otherwise)", () => {
    expect(["a/b", "a.b", "a-b", "a0"].sort(compareKeys)).toEqual(["a-b", "a.b", "a/b", "a0"])
    expect(["😀", "\uFF01"].sort(compareKeys)).toEqual(["\uFF01", "😀"])
    expect(["😀", "\uFF01"].sort()).toEqual(["😀", "\uFF01"])
  })
})

describe("planSorted (the plan as a merge of two sorted listings)", () => {
  it("decides exactly what planSync decides, on random trees full of ordering traps", () => {
    fc.assert(
      fc.property(sortedListing, sortedListing, excludes, (src, dst, patterns) => {
        const merged = grouped([...planSorted(src, dst, { excludes: patterns })])
        const oracle = planSync(src, dst, { excludes: patterns })
        const sortKeys = (keys: Array<string>) => [...keys].sort(compareKeys)
        expect(merged.copy).toEqual([...oracle.copy].sort(byKey).map((c) => [c.key, c.reason]))
        expect(merged.unchanged).toEqual(sortKeys(oracle.unchanged.map((f) => f.key)))
        expect(merged.extra).toEqual(sortKeys(oracle.extra.map((f) => f.key)))
        expect(merged.excluded).toBe(oracle.excluded)
      }),
      { numRuns: 500 }
    )
  })

  it("emits its entries in key order", () => {
    fc.assert(fc.property(sortedListing, sortedListing, (src, dst) => {
      const keys = [...planSorted(src, dst)].map((e) => e.file.key)
      for (let i = 1; i < keys.length; i++) expect(compareKeys(keys[i - 1]!, keys[i]!)).toBeLessThan(0)
    }))
  })

  it("fails loudly on a listing out of UTF-8 byte order, on either side, instead of planning wrongly", () => {
    const unsorted = fc.uniqueArray(file, { selector: (f) => f.key, minLength: 2, maxLength: 20 })
      .filter((fs) => fs.some((f, i) => i > 0 && byKey(fs[i - 1]!, f) > 0))
    fc.assert(fc.property(unsorted, sortedListing, fc.boolean(), (bad, good, badIsSource) => {
      const run = () => [...(badIsSource ? planSorted(bad, good) : planSorted(good, bad))]
      expect(run).toThrow(ListingOutOfOrder)
      try {
        run()
      } catch (error) {
        expect((error as ListingOutOfOrder).side).toBe(badIsSource ? "source" : "destination")
        expect((error as Error).message).toContain("not UTF-8 byte order")
      }
    }))
    // What a server in locale order (fauxqs's `localeCompare`) lists: "a-b" before "a.b" is fine, "a" after "B" is not.
    const f = (k: string): ListedFile => ({ key: k, size: 1, lastModified: new Date(0) })
    expect(() => [...planSorted([f("a"), f("B")], [])]).toThrow(/listed "B" after "a"/)
    expect(() => [...planSorted([], [f("x"), f("x")])]).toThrow(ListingOutOfOrder)
  })

  it("reads each listing only as far as the entries it has given out: memory does not grow with the listings", () => {
    let sourceRead = 0
    let destinationRead = 0
    function* listing(count: number, onRead: () => void): Generator<ListedFile> {
      for (let i = 0; i < count; i++) {
        onRead()
        yield { key: `upload/${String(i).padStart(8, "0")}.jpg`, size: 1, lastModified: new Date(0) }
      }
    }
    const entries = planSorted(listing(10_000_000, () => sourceRead++), listing(10_000_000, () => destinationRead++))
    let taken = 0
    for (const entry of entries) {
      expect(entry._tag).toBe("Unchanged")
      if (++taken === 1000) break
    }
    expect(sourceRead).toBeLessThanOrEqual(1001)
    expect(destinationRead).toBeLessThanOrEqual(1001)
  })
})
