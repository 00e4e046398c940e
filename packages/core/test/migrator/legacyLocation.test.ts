import {
  baseOf,
  baseOfStoredPath,
  describeInconsistency,
  encodedVideoKey,
  generatedImageKey,
  inferFromSample,
  inferLegacyLocation,
  localLocation,
  originalKey,
  pathOf,
  personThumbnailKey,
  profileImageKey,
  s3Location,
  STORAGE_FOLDERS
} from "@immich-storage/core"
import type { MediaLocation } from "@immich-storage/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

/** Base segments include Immich's folder names: upstream's own old default is `/usr/src/app/upload`. */
const tricky = fc.constantFrom("a", "Z", "0", " ", "%", "_", "'", ".", "-", "é", "写", "😀")
const segment = fc.oneof(
  fc.constantFrom(...STORAGE_FOLDERS),
  fc.string({ unit: tricky, minLength: 1, maxLength: 8 }).filter((s) => s !== "." && s !== "..")
)
const bucket = fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,12}[a-z0-9]$/)
const location: fc.Arbitrary<MediaLocation> = fc.oneof(
  fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => localLocation(`/${parts.join("/")}`)),
  fc.tuple(bucket, fc.array(segment, { maxLength: 3 })).map(([b, parts]) => s3Location(b, parts.join("/")))
)

/** Keys as our own builders make them, for every kind of managed path. */
const managedKey = fc.tuple(fc.uuid(), fc.uuid(), fc.integer({ min: 0, max: 5 })).map(([owner, id, kind]) =>
  [
    originalKey(owner, id, ".jpg"),
    generatedImageKey(owner, id, "thumbnail", "webp"),
    generatedImageKey(owner, id, "preview", "jpeg"),
    personThumbnailKey(owner, id),
    encodedVideoKey(owner, id),
    profileImageKey(owner, id, ".png")
  ][kind]!
)
const keys = fc.array(managedKey, { minLength: 1, maxLength: 20 })

describe("inferLegacyLocation", () => {
  it("infers the base that paths built with our own path builders were written under", () => {
    fc.assert(fc.property(location, keys, (loc, ks) => {
      expect(inferLegacyLocation(ks.map((k) => pathOf(loc, k)))).toEqual({
        _tag: "Inferred",
        base: baseOf(loc),
        sampled: ks.length
      })
    }))
  })

  it("refuses a sample under two bases, naming each with its count", () => {
    fc.assert(fc.property(location, location, keys, keys, (a, b, ka, kb) => {
      fc.pre(baseOf(a) !== baseOf(b))
      const result = inferLegacyLocation([...ka.map((k) => pathOf(a, k)), ...kb.map((k) => pathOf(b, k))])
      if (result._tag !== "Inconsistent") throw new Error(`expected a refusal, got ${JSON.stringify(result)}`)
      const counts = Object.fromEntries(result.bases.map((f) => [f.base, f.count]))
      expect(counts).toEqual({ [baseOf(a)]: ka.length, [baseOf(b)]: kb.length })
      const message = describeInconsistency(result, "/data")
      expect(message).toContain(`${baseOf(a)}: ${ka.length} path`)
      expect(message).toContain(`${baseOf(b)}: ${kb.length} path`)
      expect(message).toContain("immich-storage migrate-paths --from <base> --to /data")
    }))
  })

  it("has nothing to infer from no paths, or only empty ones (Immich's unset columns)", () => {
    expect(inferLegacyLocation([])).toEqual({ _tag: "NoPaths" })
    expect(inferLegacyLocation(["", ""])).toEqual({ _tag: "NoPaths" })
  })

  const u = "0f8fad5b-d9cb-469f-a165-70867728950e"
  it.each([
    [
      "upstream's old default, itself named like a folder",
      `/usr/src/app/upload/upload/${u}/0f/8f/${u}.jpg`,
      "/usr/src/app/upload"
    ],
    [
      "an S3 prefix named like a folder",
      `s3://photos/thumbs/thumbs/${u}/0f/8f/${u}_preview.jpeg`,
      "s3://photos/thumbs"
    ],
    ["an S3 bucket root", `s3://photos/encoded-video/${u}/0f/8f/${u}.mp4`, "s3://photos"],
    ["an older thumbnail name", `/srv/immich/thumbs/${u}/0f/8f/${u}-thumbnail.webp`, "/srv/immich"],
    ["a storage-template original", `/srv/immich/library/admin/2019/03/IMG_0001.jpg`, "/srv/immich"]
  ])("derives the base of %s", (_, storedPath, base) => {
    expect(baseOfStoredPath(storedPath)).toBe(base)
    expect(inferLegacyLocation([storedPath, ""])).toEqual({ _tag: "Inferred", base, sampled: 1 })
  })

  it.each([
    [
      "relative paths of Immich's earliest versions",
      `upload/upload/${u}/0f/8f/${u}.jpg`,
      "upload",
      "neither an absolute path nor an s3:// location"
    ],
    ["a base at the filesystem root", `/upload/${u}/0f/8f/${u}.jpg`, "", "the filesystem root cannot be"],
    [
      "a base not written as stored",
      `/data//upload/${u}/0f/8f/${u}.jpg`,
      "/data/",
      "not written as a location is stored"
    ]
  ])("refuses %s, saying why", (_, storedPath, base, why) => {
    const result = inferLegacyLocation([storedPath])
    if (result._tag !== "Inconsistent") throw new Error(`expected a refusal, got ${JSON.stringify(result)}`)
    expect(result.bases.map((b) => b.base)).toEqual([base])
    expect(describeInconsistency(result, "/data")).toContain(why)
  })

  it("refuses paths under no Immich folder rather than guessing", () => {
    const result = inferLegacyLocation([`/data/thumbs/${u}/0f/8f/${u}_thumbnail.webp`, "/photos/IMG_0001.jpg"])
    if (result._tag !== "Inconsistent") throw new Error(`expected a refusal, got ${JSON.stringify(result)}`)
    expect(result.unrecognised).toEqual(["/photos/IMG_0001.jpg"])
    expect(describeInconsistency(result, "/data")).toContain("under no Immich folder")
  })

  it("refuses, rather than guesses, when a storage-template folder is named like an Immich folder", () => {
    // An album called "upload" makes this original look as if written under /data/library/admin.
    const result = inferLegacyLocation([
      `/data/thumbs/${u}/0f/8f/${u}_thumbnail.webp`,
      "/data/library/admin/upload/IMG_0001.jpg"
    ])
    const bases = result._tag === "Inconsistent" ? result.bases.map((b) => b.base).sort() : result
    expect(bases).toEqual(["/data", "/data/library/admin"])
  })
})

describe("inferFromSample: the base from generated files, originals checked below it", () => {
  const u = "0f8fad5b-d9cb-469f-a165-70867728950e"
  it("reads an album named like an Immich folder as the template folder it is, once thumbnails say where the base is", () => {
    const sample = {
      generated: [`/data/thumbs/${u}/0f/8f/${u}_thumbnail.webp`, `/data/profile/${u}/face.jpg`],
      originals: ["/data/library/admin/upload/IMG_0001.jpg", "/data/library/admin/upload/IMG_0001.jpg.xmp"]
    }
    expect(inferFromSample(sample)).toEqual({ _tag: "Inferred", base: "/data", sampled: 4 })
  })

  it("refuses an original outside the base the generated files agree on, naming both bases", () => {
    const result = inferFromSample({
      generated: [`/data/thumbs/${u}/0f/8f/${u}_thumbnail.webp`],
      originals: ["/data/upload/a/b/c.jpg", "/mnt/old/upload/a/b/d.jpg"]
    })
    const bases = result._tag === "Inconsistent" ? result.bases.map((b) => b.base).sort() : result
    expect(bases).toEqual(["/data", "/mnt/old"])
  })

  it("reads originals as any path when there are no generated files, and finds nothing in an empty sample", () => {
    expect(inferFromSample({ generated: [], originals: ["/srv/immich/upload/a/b/c.jpg"] })).toEqual({
      _tag: "Inferred",
      base: "/srv/immich",
      sampled: 1
    })
    expect(inferFromSample({ generated: [""], originals: [] })).toEqual({ _tag: "NoPaths" })
  })

  it("agrees with inferLegacyLocation whenever the originals lie below the generated files' base", () => {
    fc.assert(fc.property(fc.array(fc.constantFrom("a", "b", "ü c"), { minLength: 1, maxLength: 4 }), (parts) => {
      const base = `/${parts.join("/")}`
      const generated = [`${base}/thumbs/${u}/0f/8f/${u}_preview.jpeg`]
      const originals = [`${base}/upload/${u}/0f/8f/${u}.jpg`]
      const together = inferLegacyLocation([...generated, ...originals])
      expect(inferFromSample({ generated, originals })).toEqual(together)
    }))
  })
})
