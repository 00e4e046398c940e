import { localLocation, locationSchemeProblem, parseBase, parseLocationText, s3Location } from "@immich-storage/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

const CWD = "/srv/immich"

describe("parseLocationText: only exactly s3:// is remote, nothing URL-like becomes a folder", () => {
  it.each([
    ["http://example.com/x", "did you mean s3://x with S3_ENDPOINT=http://example.com"],
    [
      "https://s3.example.com:9000/photos/immich/",
      "did you mean s3://photos/immich with S3_ENDPOINT=https://s3.example.com:9000"
    ],
    ["http://example.com", "did you mean s3://<bucket>/<prefix> with S3_ENDPOINT=http://example.com"],
    ["S3://bucket/prefix", "did you mean s3://bucket/prefix?"],
    ["s3:/bucket/prefix", "did you mean s3://bucket/prefix?"],
    ["s3:bucket", "did you mean s3://bucket?"],
    ["s3//bucket/prefix", "did you mean s3://bucket/prefix?"],
    ["s3:\\\\bucket", "did you mean s3://bucket?"],
    ["s3:///", "did you mean"],
    [" s3://bucket", "did you mean s3://bucket?"],
    ["s3:", "did you mean s3://<bucket>/<prefix>?"],
    ["file:///data/photos", "did you mean the folder /data/photos?"],
    ["gs://bucket/x", "is a URL (gs:)"],
    ["ftp://host/x", "is a URL (ftp:)"],
    ["photos:2024", "write ./photos:2024"]
  ])("refuses %j, saying what was meant", (text, hint) => {
    const parsed = parseLocationText(text, CWD)
    expect(typeof parsed).toBe("string")
    expect(parsed).toContain(hint)
    // Stored bases and --from/--to go through the same rule.
    expect(typeof parseBase(text)).toBe("string")
  })

  it.each([
    ["s3://bucket/prefix", s3Location("bucket", "prefix")],
    ["s3://bucket", s3Location("bucket", "")],
    ["./data", localLocation("/srv/immich/data")],
    ["data", localLocation("/srv/immich/data")],
    ["s3/backup", localLocation("/srv/immich/s3/backup")],
    ["./http:/example.com/x", localLocation("/srv/immich/http:/example.com/x")],
    ["/mnt/photos:2024", localLocation("/mnt/photos:2024")],
    ["s3data", localLocation("/srv/immich/s3data")]
  ])("accepts %j", (text, expected) => {
    expect(parseLocationText(text, CWD)).toEqual(expected)
  })

  it("refuses an empty text and the filesystem root", () => {
    expect(parseLocationText("", CWD)).toContain("is empty")
    expect(parseLocationText("/", CWD)).toContain("filesystem root")
  })

  const scheme = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9+.-]{0,8}$/)
  const rest = fc.string({ maxLength: 20 })

  it("refuses every text that starts with a URL scheme, except exactly s3://", () => {
    fc.assert(fc.property(scheme, rest, (s, r) => {
      const text = `${s}:${r}`
      if (text.startsWith("s3://")) return
      expect(locationSchemeProblem(text)).toBeDefined()
      expect(typeof parseLocationText(text, CWD)).toBe("string")
    }))
  })

  it("answers every mistyped s3:// with the location that was meant", () => {
    const bucketAndPrefix = fc.stringMatching(/^[a-z0-9][a-z0-9-]{2,10}(\/[a-z0-9]{1,6}){0,2}$/)
    const mistyping = fc.constantFrom("S3://", "s3:/", "s3:", "s3//", "S3:", "s3:///", "s3:\\\\", "S3//", " s3://")
    fc.assert(fc.property(mistyping, bucketAndPrefix, (typo, location) => {
      expect(locationSchemeProblem(`${typo}${location}`)).toContain(`did you mean s3://${location}?`)
    }))
  })

  it("keeps relative and absolute folder names without a scheme local", () => {
    const segment = fc.stringMatching(/^[a-zA-Z0-9._@+-][a-zA-Z0-9 ._@+-]{0,9}$/).filter((s) => s !== "." && s !== "..")
    const folder = fc.tuple(fc.constantFrom("", "./", "/"), fc.array(segment, { minLength: 1, maxLength: 3 }))
      .map(([lead, parts]) => `${lead}${parts.join("/")}`)
      .filter((text) => !/^\s*s3\s*(:|\/\/)/i.test(text))
    fc.assert(fc.property(folder, (text) => {
      const parsed = parseLocationText(text, CWD)
      expect(typeof parsed === "string" ? parsed : parsed._tag).toBe("Local")
    }))
  })

  it("accepts every s3://bucket/prefix as given", () => {
    const bucket = fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,20}[a-z0-9]$/)
    const prefix = fc.array(fc.stringMatching(/^[a-z0-9_-]{1,8}$/), { maxLength: 3 }).map((p) => p.join("/"))
    fc.assert(fc.property(bucket, prefix, (b, p) => {
      expect(parseLocationText(`s3://${b}${p === "" ? "" : `/${p}`}`, CWD)).toEqual(s3Location(b, p))
    }))
  })
})
