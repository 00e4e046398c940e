import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { parseFormDate } from "../src/assets/formDate.ts"

describe("upload form dates", () => {
  it.each([
    ["2024-02-29T12:00:00Z", "2024-02-29T12:00:00.000Z"],
    ["2024-01-01", "2024-01-01T00:00:00.000Z"],
    ["2020-02-29T23:30:00-02:00", "2020-03-01T01:30:00.000Z"],
    ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"],
    ["9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"]
  ])("takes %s", (text, iso) => {
    expect(parseFormDate(text)?.toISOString()).toBe(iso)
  })

  it.each([
    "2020-02-30",
    "2021-02-29T00:00:00Z",
    "2024-04-31T10:00:00+02:00",
    "2024-13-01",
    "2024-00-10",
    "99999-01-01",
    "0000-01-01T00:00:00Z",
    "-000044-03-15T00:00:00Z",
    "+275760-09-13T00:00:00Z",
    "yesterday",
    ""
  ])("refuses %s", (text) => {
    expect(parseFormDate(text)).toBeUndefined()
  })

  it("reads back every instant from year 1 to 9999 written as ISO 8601", () => {
    fc.assert(fc.property(
      fc.date({
        min: new Date("0001-01-01T00:00:00Z"),
        max: new Date("9999-12-31T23:59:59.999Z"),
        noInvalidDate: true
      }),
      (date) => {
        expect(parseFormDate(date.toISOString())?.getTime()).toBe(date.getTime())
      }
    ))
  })
})
