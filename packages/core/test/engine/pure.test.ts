import { intoParts, parseContentRange, rangeHeader, resolveRange } from "@immich-storage/core"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

describe("resolveRange", () => {
  it("always selects bytes inside the object, or nothing", () => {
    const range = fc.oneof(
      fc.record({ start: fc.integer({ min: -5, max: 200 }) }),
      fc.record({ start: fc.integer({ min: -5, max: 200 }), end: fc.integer({ min: -5, max: 300 }) }),
      fc.record({ suffixLength: fc.integer({ min: -5, max: 300 }) })
    )
    fc.assert(fc.property(range, fc.integer({ min: 0, max: 200 }), (r, size) => {
      const resolved = resolveRange(r, size)
      if (resolved === undefined) return true
      return 0 <= resolved.start && resolved.start <= resolved.end && resolved.end < size
    }))
  })

  it("follows HTTP for suffixes, clamped ends and empty objects", () => {
    expect(resolveRange({ suffixLength: 500 }, 100)).toEqual({ start: 0, end: 99 })
    expect(resolveRange({ suffixLength: 1 }, 100)).toEqual({ start: 99, end: 99 })
    expect(resolveRange({ start: 0, end: 10 }, 0)).toBeUndefined()
    expect(resolveRange({ start: 5, end: 4 }, 10)).toBeUndefined()
    expect(rangeHeader({ start: 3 })).toBe("bytes=3-")
    expect(rangeHeader({ suffixLength: 3 })).toBe("bytes=-3")
    expect(parseContentRange("bytes 0-9/123")).toEqual({ start: 0, end: 9, size: 123 })
    expect(parseContentRange(undefined)).toBeUndefined()
  })
})

describe("intoParts", () => {
  it("cuts any chunking into full parts and one shorter last part, losing no byte", async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 20 }),
      fc.integer({ min: 1, max: 17 }),
      async (chunks, partSize) => {
        const parts = await Effect.runPromise(Stream.runCollect(Stream.fromIterable(chunks).pipe(intoParts(partSize))))
        expect(Buffer.concat(parts)).toEqual(Buffer.concat(chunks))
        parts.forEach((part, i) => {
          if (i < parts.length - 1) expect(part.length).toBe(partSize)
          else expect(part.length).toBeGreaterThan(0)
        })
      }
    ))
  })
})
