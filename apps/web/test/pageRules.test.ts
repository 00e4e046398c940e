/** The page's pure rules: the timeline's layout and windowing, backup ages, thumbhash placeholders. */
import fc from "fast-check"
import sharp from "sharp"
import { rgbaToThumbHash } from "thumbhash"
import { describe, expect, it } from "vitest"
import { backupTakenAt, formatAge, formatSize } from "../src/lib/backupAge.ts"
import { blocksBetween, cellsBetween, gridFor, layoutMonths, monthTitle } from "../src/lib/layout.ts"
import { placeholderOf } from "../src/lib/thumbhash.ts"

const bucketsArb = fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 60 }).map((counts) =>
  counts.map((count, i) => ({ timeBucket: `20${String(10 + Math.floor(i / 12)).padStart(2, "0")}-01-01`, count }))
)

describe("the timeline's layout", () => {
  it("stacks the months without gaps or overlaps, each as tall as its heading and rows", () => {
    fc.assert(fc.property(bucketsArb, fc.integer({ min: 300, max: 4000 }), (buckets, width) => {
      const grid = gridFor(width)
      const { blocks, height } = layoutMonths(buckets, grid)
      let top = 0
      for (const [i, block] of blocks.entries()) {
        expect(block.top).toBe(top)
        expect(block.rows).toBe(Math.ceil(buckets[i]!.count / grid.columns))
        expect(block.height).toBe(grid.heading + block.rows * grid.cell)
        top += block.height
      }
      expect(height).toBe(top)
      expect(grid.columns * grid.cell).toBeLessThanOrEqual(width)
    }))
  })

  it("finds exactly the months that overlap a window (binary search = linear filter)", () => {
    fc.assert(fc.property(bucketsArb, fc.integer({ min: -500, max: 200_000 }), fc.nat(3000), (buckets, from, span) => {
      const { blocks } = layoutMonths(buckets, gridFor(1280))
      const expected = blocks.filter((b) => b.top < from + span && b.top + b.height > from)
      expect(blocksBetween(blocks, from, from + span)).toEqual(expected)
    }))
  })

  it("renders exactly the cells whose row overlaps the window", () => {
    fc.assert(fc.property(bucketsArb, fc.integer({ min: -500, max: 200_000 }), fc.nat(3000), (buckets, from, span) => {
      const grid = gridFor(1280)
      const { blocks } = layoutMonths(buckets, grid)
      for (const block of blocksBetween(blocks, from, from + span)) {
        const { first, end } = cellsBetween(block, grid, from, from + span)
        const rowTop = (i: number) => block.top + grid.heading + Math.floor(i / grid.columns) * grid.cell
        const visible = Array.from({ length: block.count }, (_, i) => i)
          .filter((i) => rowTop(i) < from + span && rowTop(i) + grid.cell > from)
        expect(Array.from({ length: Math.max(0, end - first) }, (_, k) => first + k)).toEqual(visible)
      }
    }))
  })

  it("names months from upstream's time buckets", () => {
    expect(monthTitle("2024-05-01")).toMatch(/2024/)
    expect(monthTitle("2024-05-01T00:00:00.000Z")).toBe(monthTitle("2024-05-01"))
    expect(monthTitle("not a month")).toBe("not a month")
  })
})

describe("backups on the admin page", () => {
  it("reads when a backup was taken from its name, in the zone the server stamps names with", () => {
    const name = "immich-db-backup-20240115T103000-v3.2.0-pg15.4.sql.gz"
    expect(backupTakenAt(name, "UTC")).toBe(Date.UTC(2024, 0, 15, 10, 30, 0))
    expect(backupTakenAt(name, "Europe/Berlin")).toBe(Date.UTC(2024, 0, 15, 9, 30, 0))
    expect(backupTakenAt(name, "America/New_York")).toBe(Date.UTC(2024, 0, 15, 15, 30, 0))
    expect(backupTakenAt("immich-db-backup-1700000000000.sql.gz", "UTC")).toBeUndefined()
  })

  it("says ages and sizes as a person would", () => {
    expect(formatAge(20_000)).toBe("just now")
    expect(formatAge(5 * 60_000)).toBe("5 min ago")
    expect(formatAge(3 * 3_600_000)).toBe("3 h ago")
    expect(formatAge(5 * 86_400_000)).toBe("5 days ago")
    expect(formatSize(512)).toBe("512 B")
    expect(formatSize(4.7 * 1024)).toBe("4.7 KiB")
    expect(formatSize(3 * 1024 ** 3)).toBe("3.0 GiB")
  })
})

describe("thumbhash placeholders", () => {
  it("decodes an image's thumbhash (base64, as the timeline sends it) into a PNG data URL", async () => {
    const { data, info } = await sharp({ create: { width: 80, height: 60, channels: 4, background: "#c04020" } })
      .raw()
      .toBuffer({ resolveWithObject: true })
    const hash = Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString("base64")
    const url = placeholderOf(hash)!
    expect(url).toMatch(/^data:image\/png;base64,/)
    const png = await sharp(Buffer.from(url.slice(url.indexOf(",") + 1), "base64")).raw().toBuffer()
    // The placeholder keeps the colour: the middle pixel is reddish.
    const middle = Math.floor(png.length / 8) * 4
    expect(png[middle]!).toBeGreaterThan(png[middle + 2]! + 60)
    expect(placeholderOf(hash)).toBe(url)
  })

  it("gives no placeholder for a missing or broken thumbhash (the cell stays neutral grey)", () => {
    expect(placeholderOf(null)).toBeUndefined()
    expect(placeholderOf("")).toBeUndefined()
    expect(placeholderOf("%%%")).toBeUndefined()
  })
})
