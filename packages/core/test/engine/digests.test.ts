import { digestsOfBytes, verifiedStream } from "@immich-storage/core"
import { listedMd5, md5OfEtag, s3Digests } from "@immich-storage/core/s3"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

const run = (stream: Stream.Stream<Uint8Array, string>) => {
  const seen: Array<Uint8Array> = []
  return Effect.runPromise(
    Stream.runForEach(stream, (chunk) => Effect.sync(() => void seen.push(chunk))).pipe(
      Effect.match({ onFailure: (error) => ({ seen, error }), onSuccess: () => ({ seen, error: undefined }) })
    )
  )
}

describe("verifiedStream", () => {
  const chunks = fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { minLength: 1, maxLength: 8 })

  it("passes every chunk on when the digest matches, and holds the last back when it does not", async () => {
    await fc.assert(fc.asyncProperty(chunks, fc.constantFrom("md5" as const, "crc32" as const), async (parts, kind) => {
      const whole = Buffer.concat(parts)
      const checked = (of: Uint8Array) =>
        verifiedStream(Stream.fromIterable(parts), digestsOfBytes(of, [kind]), () => "mismatch")
      const right = await run(checked(whole))
      expect(right.error).toBeUndefined()
      expect(Buffer.concat(right.seen).equals(whole)).toBe(true)
      const flipped = Buffer.from(whole)
      flipped[0] = flipped[0]! ^ 0xff
      const wrong = await run(checked(flipped))
      expect(wrong.error).toBe("mismatch")
      // Everything but the last chunk went out: a client never holds the whole wrong body.
      expect(Buffer.concat(wrong.seen).equals(Buffer.concat(parts.slice(0, -1)))).toBe(true)
    }))
  })
})

describe("md5OfEtag", () => {
  it("reads single-part ETags as MD5s, and never a multipart one", () => {
    expect(md5OfEtag("\"D41D8CD98F00B204E9800998ECF8427E\"")).toBe("d41d8cd98f00b204e9800998ecf8427e")
    expect(md5OfEtag("\"1895fd3f1fa1af269610f12d13feb801-2\"")).toBeUndefined()
    expect(md5OfEtag("W/\"abc\"")).toBeUndefined()
    expect(md5OfEtag(undefined)).toBeUndefined()
  })

  it("agrees with the regular expression it was first written as", () => {
    const reference = (etag: string) => /^"?([0-9a-fA-F]{32})"?$/.exec(etag.trim())?.[1]?.toLowerCase()
    const unit = fc.constantFrom("\"", " ", "-", "a", "F", "0", "9", "g", "W", "/")
    const etag = fc.oneof(
      fc.string({ unit, maxLength: 36 }),
      fc.tuple(
        fc.string({ unit, maxLength: 2 }),
        fc.stringMatching(/^[0-9a-fA-F]{32}$/),
        fc.string({ unit, maxLength: 2 })
      )
        .map((parts) => parts.join(""))
    )
    fc.assert(fc.property(etag, (text) => {
      expect(md5OfEtag(text)).toBe(reference(text))
    }))
  })
})

describe("s3Digests", () => {
  const etag = "\"d41d8cd98f00b204e9800998ecf8427e\""
  const trust = { etagIsMd5: true, kmsConfigured: false }

  it("takes the ETag for an MD5 only without SSE-KMS, SSE-C, our own SSE-KMS or S3_ETAG_IS_MD5=false", () => {
    expect(s3Digests({ etag }, trust)).toEqual({ md5: "d41d8cd98f00b204e9800998ecf8427e" })
    expect(s3Digests({ etag, "x-amz-server-side-encryption": "AES256" }, trust).md5).toBeDefined()
    expect(s3Digests({ etag, "x-amz-server-side-encryption": "aws:kms" }, trust)).toEqual({})
    expect(s3Digests({ etag, "x-amz-server-side-encryption": "aws:kms:dsse" }, trust)).toEqual({})
    expect(s3Digests({ etag, "x-amz-server-side-encryption-customer-algorithm": "AES256" }, trust)).toEqual({})
    expect(s3Digests({ etag }, { ...trust, kmsConfigured: true })).toEqual({})
    expect(s3Digests({ etag }, { ...trust, etagIsMd5: false })).toEqual({})
  })

  it("reads a whole-object CRC32, never a composite one", () => {
    expect(s3Digests({ "x-amz-checksum-crc32": "Y4wNKQ==" }, trust)).toEqual({ crc32: 0x638c0d29 })
    expect(s3Digests({ "x-amz-checksum-crc32": "Y4wNKQ==-3" }, trust)).toEqual({})
  })
})

describe("listedMd5", () => {
  const trust = { etagIsMd5: true, kmsConfigured: false }
  const etags = fc.oneof(
    fc.stringMatching(/^"[0-9a-f]{32}"$/),
    fc.stringMatching(/^"[0-9a-f]{32}-[1-9][0-9]?"$/),
    fc.string(),
    fc.constant(undefined)
  )

  it("claims the ETag's MD5 only where the settings trust ETags at all (not S3_ETAG_IS_MD5=false, not SSE-KMS)", () => {
    fc.assert(fc.property(etags, fc.boolean(), fc.boolean(), (etag, etagIsMd5, kmsConfigured) => {
      const claim = listedMd5(etag, { etagIsMd5, kmsConfigured })
      expect(claim).toBe(etagIsMd5 && !kmsConfigured ? md5OfEtag(etag) : undefined)
    }))
    expect(listedMd5("\"d41d8cd98f00b204e9800998ecf8427e\"", trust)).toBe("d41d8cd98f00b204e9800998ecf8427e")
    expect(listedMd5("\"1895fd3f1fa1af269610f12d13feb801-2\"", trust)).toBeUndefined()
  })
})
