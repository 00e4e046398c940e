import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { monthOfTimeBucket } from "../src/timeline/TimelineService.ts"

describe("monthOfTimeBucket", () => {
  it.each([
    ["2024-05-01", "2024-05-01"],
    ["2024-05-01T00:00:00.000Z", "2024-05-01"],
    ["+2024-05-01", "2024-05-01"],
    ["2024-05-17", "2024-05-01"],
    ["2024-02-29T23:59:59+02:00", "2024-02-01"],
    ["2023-02-29", undefined],
    ["2024-13-01", undefined],
    ["May 2024", undefined],
    ["2024-05", undefined],
    ["2024-05-01'; drop table asset; --", undefined],
    ["", undefined]
  ])("%s → %s", (timeBucket, month) => {
    expect(monthOfTimeBucket(timeBucket)).toBe(month)
  })

  it("names the month of any real day, in both of upstream's spellings", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date("1900-01-01"), max: new Date("9999-12-31"), noInvalidDate: true }), (day) => {
        const iso = day.toISOString()
        const month = `${iso.slice(0, 7)}-01`
        return monthOfTimeBucket(iso.slice(0, 10)) === month && monthOfTimeBucket(iso) === month
      })
    )
  })
})
