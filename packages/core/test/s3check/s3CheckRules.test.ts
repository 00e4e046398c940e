import { findingsOf, median, verdictOf } from "@immich-storage/core"
import type { S3Facts } from "@immich-storage/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

const ok = <A>(value: A) => ({ ok: true as const, value })

/** What AWS answers. */
const aws: S3Facts = {
  roundTrip: ok({ same: true, readCheck: "CRC32" as const }),
  crc32: ok("stored" as const),
  etag: ok("md5" as const),
  suffixRange: ok({ status: 206, whole: true, engineWhole: true }),
  unsatisfiable: ok({ status: 416, sizeSent: true, engineSizeRight: true }),
  listing: ok({ encodingTypeUrl: true, exact: true }),
  multipart: ok(true),
  copy: ok(true),
  presign: ok(true),
  delete: ok(true),
  latencyMs: ok(12)
}

describe("check-s3 rules", () => {
  it("finds AWS ok, RGW's quirks a caveat, and any broken essential not usable", () => {
    expect(verdictOf(findingsOf(aws))).toBe("ok")
    const sizeless = ok({ status: 416, sizeSent: false, engineSizeRight: true })
    const rgw: S3Facts = { ...aws, crc32: ok("not stored"), unsatisfiable: sizeless }
    expect(verdictOf(findingsOf(rgw))).toBe("ok with caveats")
    // Quirks the engine makes up for are information only.
    const refusedSuffix = ok({ status: 416, whole: false, engineWhole: true })
    expect(verdictOf(findingsOf({ ...aws, suffixRange: refusedSuffix }))).toBe("ok")
    expect(verdictOf(findingsOf({ ...aws, multipart: { ok: false, error: "NotImplemented" } }))).toBe("not usable")
    expect(verdictOf(findingsOf({ ...aws, etag: ok("looks like an MD5 but is not") }))).toBe("not usable")
    expect(verdictOf(findingsOf({ ...aws, presign: { ok: false, error: "403" } }))).toBe("ok with caveats")
  })

  it("says when reads cannot be checked at all", () => {
    const unchecked = findingsOf({ ...aws, crc32: ok({ refused: "InvalidRequest" }), etag: ok("not an MD5") })
    expect(unchecked.find((f) => f.name === "read integrity")?.level).toBe("caveat")
    expect(findingsOf(aws).find((f) => f.name === "read integrity")).toBeUndefined()
  })

  it("takes the median: the middle value, never outside the samples", () => {
    expect(median([5, 1, 3])).toBe(3)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1 }), (values) => {
      const m = median(values)
      return Math.min(...values) <= m && m <= Math.max(...values)
    }))
  })
})
