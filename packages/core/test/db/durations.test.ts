import { durationTextToMs, msToDurationText, parseClientDuration } from "@immich-storage/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

describe("asset durations in both of upstream's shapes", () => {
  it("reads v2 texts as upstream stores them, images' zero included", () => {
    expect(durationTextToMs("0:00:00.00000")).toBe(0)
    expect(durationTextToMs("0:00:05.250000")).toBe(5250)
    expect(durationTextToMs("1:02:03.25")).toBe(3_723_250)
    expect(durationTextToMs("12:00:00")).toBe(43_200_000)
  })

  it("answers null, never NaN, for what is not a duration", () => {
    expect(["", "abc", "1:2", "0:61:00", "-0:00:01", "NaN:NaN:NaN"].map(durationTextToMs)).toEqual([
      null,
      null,
      null,
      null,
      null,
      null
    ])
    expect(durationTextToMs(null)).toBeNull()
  })

  it("writes six decimals as upstream does", () => {
    expect(msToDurationText(0)).toBe("0:00:00.000000")
    expect(msToDurationText(5250)).toBe("0:00:05.250000")
    expect(msToDurationText(3_723_250)).toBe("1:02:03.250000")
  })

  it("round-trips every whole number of milliseconds", () => {
    fc.assert(fc.property(fc.nat({ max: 1000 * 3600 * 1000 }), (ms) => durationTextToMs(msToDurationText(ms)) === ms))
  })

  it("takes a client's milliseconds (v3) or text (v2), and nothing else", () => {
    expect(parseClientDuration("5250")).toBe(5250)
    expect(parseClientDuration("0:00:05.25")).toBe(5250)
    expect(parseClientDuration("five")).toBeUndefined()
  })
})
