import {
  baseOf,
  isStorageKey,
  isUnder,
  keyOf,
  keyProblem,
  localLocation,
  parseBase,
  pathOf,
  rewrite,
  s3Location
} from "@immich-storage/core"
import type { MediaLocation } from "@immich-storage/core"
import fc from "fast-check"
import * as path from "node:path"
import { describe, expect, it } from "vitest"

/** Characters that have broken path handling before: unicode, spaces, SQL and URL metacharacters. */
const tricky = fc.constantFrom(
  "a",
  "b",
  "Z",
  "0",
  "9",
  " ",
  "%",
  "_",
  "+",
  "#",
  "\\",
  "'",
  "\"",
  ".",
  "-",
  "é",
  "写",
  "😀",
  "ß",
  "~",
  "&",
  "=",
  "?"
)
const segment = fc.string({ unit: tricky, minLength: 1, maxLength: 8 }).filter((s) => s !== "." && s !== "..")
const key = fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join("/"))
const bucket = fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,20}[a-z0-9]$/)
const localBase = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => localLocation(`/${parts.join("/")}`))
const s3Base = fc.tuple(bucket, fc.array(segment, { minLength: 0, maxLength: 3 })).map(([b, parts]) =>
  s3Location(b, parts.join("/"))
)
const location: fc.Arbitrary<MediaLocation> = fc.oneof(localBase, s3Base)

describe("MediaLocation", () => {
  it("round-trips key → stored path → key", () => {
    fc.assert(fc.property(location, key, (loc, k) => keyOf(loc, pathOf(loc, k)) === k))
  })

  it("round-trips base → text → base", () => {
    fc.assert(fc.property(location, (loc) => {
      expect(parseBase(baseOf(loc))).toEqual(loc)
    }))
  })

  it("moves every path below the old base to the same key below the new one", () => {
    fc.assert(
      fc.property(
        location,
        location,
        key,
        (from, to, k) => rewrite(pathOf(from, k), baseOf(from), baseOf(to)) === pathOf(to, k)
      )
    )
  })

  it("moves the base itself", () => {
    fc.assert(
      fc.property(location, location, (from, to) => rewrite(baseOf(from), baseOf(from), baseOf(to)) === baseOf(to))
    )
  })

  it("leaves paths that merely share a string prefix with the base alone (/data vs /data2/x)", () => {
    expect(rewrite("/data2/x.jpg", "/data", "s3://b/p")).toBe("/data2/x.jpg")
    expect(rewrite("s3://b/p2/x.jpg", "s3://b/p", "/data")).toBe("s3://b/p2/x.jpg")
    expect(rewrite("/data/x.jpg", "/data", "s3://b/p")).toBe("s3://b/p/x.jpg")
    fc.assert(fc.property(location, location, segment, key, (from, to, tail, k) => {
      const sibling = `${baseOf(from)}${tail}/${k}`
      return tail.startsWith("/") || rewrite(sibling, baseOf(from), baseOf(to)) === sibling
    }))
  })

  it("leaves every path outside the old base unchanged", () => {
    fc.assert(
      fc.property(
        location,
        location,
        fc.string({ unit: tricky, maxLength: 30 }),
        (from, to, p) => isUnder(p, baseOf(from)) || rewrite(p, baseOf(from), baseOf(to)) === p
      )
    )
  })

  it("is undone by the reverse rewrite (the rollback)", () => {
    fc.assert(fc.property(location, location, key, (from, to, k) => {
      const p = pathOf(from, k)
      return rewrite(rewrite(p, baseOf(from), baseOf(to)), baseOf(to), baseOf(from)) === p
    }))
  })

  it("is idempotent when neither base lies inside the other", () => {
    fc.assert(
      fc.property(location, location, fc.oneof(key, fc.string({ unit: tricky, maxLength: 20 })), (from, to, k) => {
        const [a, b] = [baseOf(from), baseOf(to)]
        fc.pre(!isUnder(a, b) && !isUnder(b, a))
        const p = isStorageKey(k) ? pathOf(from, k) : k
        const once = rewrite(p, a, b)
        return rewrite(once, a, b) === once
      })
    )
  })

  it("never lets an accepted key escape its base", () => {
    const anyText = fc.string({ unit: fc.constantFrom("a", ".", "/", "\\", " ", "\0", "é"), maxLength: 16 })
    fc.assert(fc.property(localBase, fc.oneof(anyText, key), (loc, k) => {
      if (keyProblem(k) !== undefined) return true
      const resolved = path.posix.normalize(pathOf(loc, k))
      return resolved.startsWith(`${loc.root}/`) && keyOf(loc, resolved) !== undefined
    }))
    for (const bad of ["..", "../x", "a/../../x", "/etc/passwd", "a/./b", "a//b", "a/", "x\0y"])
      expect(isStorageKey(bad)).toBe(false)
  })

  it("says of every key what splitting it on '/' says", () => {
    // The rule as it was first written; `keyProblem` now walks the segments without splitting.
    const reference = (k: string) => {
      for (const segment of k.split("/")) {
        if (segment === "") return "the key has an empty path segment (a doubled or trailing '/')"
        if (segment === "." || segment === "..")
          return `the key has a '${segment}' segment, which could leave its folder`
      }
      return undefined
    }
    const text = fc.string({ unit: fc.constantFrom("a", ".", "/", "é", "..", "x/"), minLength: 1, maxLength: 16 })
    fc.assert(fc.property(text, (k) => {
      fc.pre(!k.startsWith("/")) // refused before its segments are looked at
      expect(keyProblem(k)).toBe(reference(k))
    }))
  })

  it("parses stored bases and refuses what is not one", () => {
    expect(parseBase("s3://bucket")).toEqual(s3Location("bucket", ""))
    expect(parseBase("s3://bucket/a/b/")).toEqual(s3Location("bucket", "a/b"))
    expect(parseBase("/data/")).toEqual(localLocation("/data"))
    expect(typeof parseBase("relative/path")).toBe("string")
    expect(typeof parseBase("/")).toBe("string")
    expect(typeof parseBase("s3:///prefix")).toBe("string")
    expect(typeof parseBase("s3://b/../x")).toBe("string")
  })
})
