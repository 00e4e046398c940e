import { hostProblem, parseServerEnv, problemsOf, resolveRange } from "@immich-storage/core"
import fc from "fast-check"
import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import { parseSha1 } from "../src/assets/checksum.ts"
import { extensionOf, mediaTypeOf, mimeTypeOf, serverMediaTypes } from "../src/assets/mediaTypes.ts"
import { hashApiKey, newApiKeySecret, plausibleApiKey } from "../src/auth/apiKeys.ts"
import { isDatabaseOutage } from "../src/http/ApiError.ts"
import { contentDisposition, ifNoneMatchHits } from "../src/http/headers.ts"
import { describeListenFailure } from "../src/http/listenAddress.ts"
import { nodeServerOptions } from "../src/http/nodeServer.ts"
import { contentRange, parseRangeHeader, unsatisfiedRange } from "../src/http/rangeHeader.ts"
import { formatBytes } from "../src/http/requestBody.ts"
import { sortedMediaTypes, UPSTREAM_MEDIA_TYPES } from "./upstreamMediaTypes.ts"

describe("Range header", () => {
  it.each([
    ["bytes=0-99", { start: 0, end: 99 }],
    ["bytes=100-", { start: 100 }],
    ["bytes=-500", { suffixLength: 500 }],
    [" bytes = 5 - 10 ", { start: 5, end: 10 }],
    ["BYTES=1-2", { start: 1, end: 2 }],
    ["bytes=10-5", undefined],
    ["bytes=-", undefined],
    ["bytes=0-1,5-6", undefined],
    ["items=0-1", undefined],
    ["bytes=a-b", undefined],
    ["bytes=99999999999999999999-", undefined],
    [undefined, undefined]
  ])("%s → %j", (header, expected) => {
    expect(parseRangeHeader(header)).toEqual(expected)
  })

  it("selects exactly the bytes HTTP says, and always inside the file", () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.nat(20_000), fc.option(fc.nat(20_000)), fc.boolean(), (size, a, b, suffix) => {
        const header = suffix ? `bytes=-${a}` : `bytes=${a}-${b ?? ""}`
        const range = parseRangeHeader(header)
        if (range === undefined) return b !== null && b < a && !suffix
        const resolved = resolveRange(range, size)
        if (resolved === undefined) return suffix ? a === 0 || size === 0 : a >= size
        const expectedStart = suffix ? Math.max(0, size - a) : a
        const expectedEnd = suffix || b === null ? size - 1 : Math.min(b, size - 1)
        return resolved.start === expectedStart && resolved.end === expectedEnd && resolved.end < size &&
          contentRange(resolved.start, resolved.end, size) === `bytes ${expectedStart}-${expectedEnd}/${size}`
      })
    )
  })

  it("416 carries the length only when it is known", () => {
    expect(unsatisfiedRange(100)).toBe("bytes */100")
    expect(unsatisfiedRange(Number.NaN)).toBeUndefined()
  })
})

describe("Content-Disposition", () => {
  it("encodes any file name so that it decodes back and cannot break the header", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), (name) => {
      const header = contentDisposition(name)
      const encoded = header.slice("inline; filename*=UTF-8''".length)
      return header.startsWith("inline; filename*=UTF-8''") && /^[A-Za-z0-9!#$&+\-.^_`|~%]*$/.test(encoded) &&
        decodeURIComponent(encoded) === name
    }))
    expect(contentDisposition("a b'(ü).jpg")).toBe("inline; filename*=UTF-8''a%20b%27%28%C3%BC%29.jpg")
    expect(contentDisposition("x.jpg", "attachment")).toBe("attachment; filename*=UTF-8''x.jpg")
  })
})

describe("If-None-Match", () => {
  it.each([
    [undefined, false],
    ["\"abc\"", true],
    ["W/\"abc\"", true],
    ["\"x\", \"abc\"", true],
    ["*", true],
    ["\"abcd\"", false]
  ])("%s vs \"abc\" → %s", (header, hit) => {
    expect(ifNoneMatchHits(header, "\"abc\"")).toBe(hit)
  })
})

describe("checksums from uploaders", () => {
  it("accepts SHA-1 as hex or base64 and nothing else", () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (bytes) => {
      const buffer = Buffer.from(bytes)
      return parseSha1(buffer.toString("hex"))!.equals(buffer) &&
        parseSha1(buffer.toString("hex").toUpperCase())!.equals(buffer) &&
        parseSha1(buffer.toString("base64"))!.equals(buffer)
    }))
    for (
      const bad of ["", "abc", "z".repeat(40), Buffer.alloc(19).toString("base64"), Buffer.alloc(32).toString("hex")]
    ) expect(parseSha1(bad)).toBeUndefined()
  })
})

describe("media types", () => {
  it.each([
    ["IMG_0001.JPG", "IMAGE", "image/jpeg", ".jpg"],
    ["clip.mov", "VIDEO", "video/quicktime", ".mov"],
    ["photo.HEIC", "IMAGE", "image/heic", ".heic"],
    ["dir.with.dots/file.mp4", "VIDEO", "video/mp4", ".mp4"],
    ["camera.MXF", "VIDEO", "application/mxf", ".mxf"],
    ["broadcast.ts", "VIDEO", "video/mp2t", ".ts"],
    ["stereo.mpo", "IMAGE", "image/jpeg", ".mpo"],
    ["notes.txt", undefined, "application/octet-stream", ".txt"],
    [".hidden", undefined, "application/octet-stream", ""],
    ["noext", undefined, "application/octet-stream", ""]
  ])("%s", (name, type, mime, ext) => {
    expect(mediaTypeOf(name)?.type).toBe(type)
    expect(mimeTypeOf(name)).toBe(mime)
    expect(extensionOf(name)).toBe(ext)
  })

  it("are upstream's list, no more and no fewer", () => {
    expect(sortedMediaTypes(serverMediaTypes())).toEqual(sortedMediaTypes(UPSTREAM_MEDIA_TYPES))
  })
})

describe("API keys", () => {
  it("are 256 random bits, stored as their SHA-256 digest", () => {
    const secret = newApiKeySecret()
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(newApiKeySecret()).not.toBe(secret)
    expect(hashApiKey(secret).equals(createHash("sha256").update(secret).digest())).toBe(true)
    expect([undefined, "", "a b", "x".repeat(513)].map(plausibleApiKey)).toEqual([false, false, false, false])
    expect(plausibleApiKey(secret)).toBe(true)
  })
})

describe("server settings", () => {
  it("reports every problem at once and never echoes the admin key", () => {
    const problems = problemsOf(parseServerEnv({
      IMMICH_PORT: "http",
      IMMICH_ADMIN_API_KEY: "tiny",
      IMMICH_S3_PRESIGNED_DOWNLOADS: "yes",
      IMMICH_S3_PRESIGNED_EXPIRY: "0"
    }))
    expect(problems.map((p) => p.variable)).toEqual([
      "IMMICH_PORT",
      "IMMICH_ADMIN_API_KEY",
      "IMMICH_S3_PRESIGNED_DOWNLOADS",
      "IMMICH_S3_PRESIGNED_EXPIRY"
    ])
    expect(JSON.stringify(problems)).not.toContain("tiny")
  })

  it("takes presigned downloads with S3 only, with a default expiry of 5 minutes", () => {
    const onLocal = problemsOf(parseServerEnv({ IMMICH_S3_PRESIGNED_DOWNLOADS: "true" }))
    expect(onLocal.map((p) => p.variable)).toEqual(["IMMICH_S3_PRESIGNED_DOWNLOADS"])
    const ok = parseServerEnv({
      IMMICH_S3_PRESIGNED_DOWNLOADS: "1",
      IMMICH_STORAGE_ENGINE: "S3",
      IMMICH_ADMIN_API_KEY: "k".repeat(24)
    })
    expect(problemsOf(ok)).toEqual([])
    expect(ok).toMatchObject({
      settings: { presignedDownloads: true, presignedExpirySeconds: 300, port: 2283, host: "127.0.0.1" }
    })
  })
})

type DbError = Parameters<typeof isDatabaseOutage>[0]

describe("timeouts, listen address and limits", () => {
  it("reads the timeouts as seconds, defaults 120 s (upload idle) and 20 s (headers), and names bad ones", () => {
    expect(parseServerEnv({})).toMatchObject({ settings: { uploadIdleTimeoutMs: 120_000, headersTimeoutMs: 20_000 } })
    const set = parseServerEnv({ IMMICH_UPLOAD_IDLE_TIMEOUT: "1.5", IMMICH_HEADERS_TIMEOUT: "5" })
    expect(set).toMatchObject({ settings: { uploadIdleTimeoutMs: 1500, headersTimeoutMs: 5000 } })
    const problems = problemsOf(parseServerEnv({ IMMICH_UPLOAD_IDLE_TIMEOUT: "2m", IMMICH_HEADERS_TIMEOUT: "0" }))
    const range = "use a number from 0.1 to 86400"
    expect(problems).toEqual([
      { variable: "IMMICH_UPLOAD_IDLE_TIMEOUT", problem: `"2m" is not a duration in seconds; ${range}, e.g. 120` },
      { variable: "IMMICH_HEADERS_TIMEOUT", problem: `"0" is not a duration in seconds; ${range}, e.g. 20` }
    ])
  })

  it("gives Node no total request limit, and the headers timeout checked at least every second", () => {
    const options = nodeServerOptions({ headersTimeoutMs: 20_000 })
    expect(options).toEqual({ requestTimeout: 0, headersTimeout: 20_000, connectionsCheckingInterval: 1000 })
    expect(nodeServerOptions({ headersTimeoutMs: 1000 }).connectionsCheckingInterval).toBe(250)
  })

  it("takes IP addresses and host names for IMMICH_HOST, and says what is wrong with anything else", () => {
    for (const host of ["127.0.0.1", "0.0.0.0", "::", "::1", "fe80::1", "localhost", "photos.example.org", "nas-01"]) {
      expect(hostProblem(host), host).toBeUndefined()
    }
    expect(hostProblem("http://0.0.0.0")).toContain("is a URL")
    expect(hostProblem("0.0.0.0:2283")).toContain("includes a port; give only the address here and set the port")
    expect(hostProblem("[::1]")).toContain("without brackets")
    for (const host of ["my host", "-bad", "a..b", "x".repeat(300), "ho$t"]) {
      expect(hostProblem(host), host).toContain("is not an IP address or host name")
    }
  })

  it("names the address, the cause and the variable when listening fails", () => {
    const inUse = Object.assign(new Error("listen EADDRINUSE"), { code: "EADDRINUSE" })
    expect(describeListenFailure("127.0.0.1", 2283, inUse)).toBe(
      "Cannot listen on 127.0.0.1:2283: port 2283 is already in use (another Immich?); " +
        "stop the other server or set IMMICH_PORT to a free port"
    )
    expect(describeListenFailure("::1", 80, { code: "EACCES" })).toContain("Cannot listen on [::1]:80: port 80 needs")
    expect(describeListenFailure("10.9.9.9", 2283, { code: "EADDRNOTAVAIL" })).toContain("set IMMICH_HOST")
    expect(describeListenFailure("nas", 2283, { code: "ENOTFOUND" })).toContain("the host name nas does not resolve")
    const other = describeListenFailure("h", 1, new Error("boom"))
    expect(other).toBe("Cannot listen on h:1: boom; check IMMICH_HOST and IMMICH_PORT")
  })

  it("counts a lost or refused database as an outage (503), a wrong query as a fault (500)", () => {
    const failed = (code: string) => ({ _tag: "DatabaseQueryFailed", operation: "x", code, detail: "" }) as DbError
    expect(isDatabaseOutage({ _tag: "DatabaseUnreachable", target: "t", detail: "" } as DbError)).toBe(true)
    for (const code of ["08006", "57P01", "57P03", "53300"]) expect(isDatabaseOutage(failed(code)), code).toBe(true)
    for (const code of ["22021", "23505", "42P01", "UNKNOWN"]) expect(isDatabaseOutage(failed(code)), code).toBe(false)
  })

  it("states limits in the unit they were set in", () => {
    const shown = [formatBytes(64 * 1024), formatBytes(5 * 1024 * 1024), formatBytes(1000)]
    expect(shown).toEqual(["64 KiB", "5 MiB", "1000 bytes"])
  })
})
