import { parseServerEnv, problemsOf } from "@immich-storage/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { changesState, requestCredential, sameOrigin } from "../src/auth/credentials.ts"
import { AttemptLog, DEFAULT_THROTTLE, throttleDelayMs } from "../src/auth/LoginThrottle.ts"
import { hashSessionToken, newSessionToken } from "../src/auth/sessionTokens.ts"
import { sessionDevice } from "../src/auth/userAgent.ts"

describe("which credential a request carries", () => {
  it("prefers session tokens (header, bearer, cookie) to an API key, as upstream does", () => {
    const all = { "x-immich-user-token": "h", authorization: "Bearer b", "x-api-key": "k" }
    const cookie = { immich_access_token: "c" }
    expect(requestCredential(all, cookie)).toEqual({ _tag: "Session", token: "h", from: "header" })
    expect(requestCredential({ ...all, "x-immich-user-token": undefined }, cookie)).toEqual({
      _tag: "Session",
      token: "b",
      from: "bearer"
    })
    expect(requestCredential({ "x-api-key": "k" }, cookie)).toEqual({ _tag: "Session", token: "c", from: "cookie" })
    expect(requestCredential({ "x-api-key": "k" }, {})).toEqual({ _tag: "ApiKey", key: "k" })
    expect(requestCredential({ authorization: "Basic Zm9vOmJhcg==" }, {})).toEqual({ _tag: "None" })
    expect(requestCredential({ authorization: "bearer   t " }, {})).toEqual({
      _tag: "Session",
      token: "t",
      from: "bearer"
    })
    expect(requestCredential({ "x-immich-user-token": "" }, { immich_access_token: "" })).toEqual({ _tag: "None" })
  })

  it("asks the same origin only of methods that change something", () => {
    expect(["GET", "HEAD", "OPTIONS", "get"].map(changesState)).toEqual([false, false, false, false])
    expect(["POST", "PUT", "PATCH", "DELETE"].map(changesState)).toEqual([true, true, true, true])
  })
})

describe("same origin", () => {
  it.each([
    [{ host: "photos.example", origin: "https://photos.example" }, true],
    [{ host: "photos.example:2283", origin: "http://photos.example:2283" }, true],
    [{ host: "Photos.Example", origin: "https://photos.example" }, true],
    [{ host: "photos.example", referer: "https://photos.example/albums?x=1" }, true],
    [{ host: "photos.example", origin: "https://evil.example", referer: "https://photos.example/" }, false],
    [{ host: "photos.example", origin: "https://photos.example.evil.example" }, false],
    [{ host: "photos.example:2283", origin: "http://photos.example:2284" }, false],
    [{ host: "photos.example", origin: "null" }, false],
    [{ host: "photos.example", origin: "file:///photos.example" }, false],
    [{ host: "photos.example" }, false],
    [{ origin: "https://photos.example" }, false]
  ])("%j → %s", (headers, expected) => {
    expect(sameOrigin(headers)).toBe(expected)
  })
})

describe("login throttle", () => {
  it("lets the first attempts through, then doubles the wait up to its bound", () => {
    const delays = Array.from({ length: 12 }, (_, n) => throttleDelayMs(n, DEFAULT_THROTTLE))
    expect(delays.slice(0, 5)).toEqual([0, 0, 0, 0, 0])
    expect(delays.slice(5, 9)).toEqual([500, 1000, 2000, 4000])
    expect(Math.max(...delays)).toBe(DEFAULT_THROTTLE.maxDelayMs)
    fc.assert(fc.property(fc.nat(10_000), (n) => {
      const delay = throttleDelayMs(n, DEFAULT_THROTTLE)
      return delay >= 0 && delay <= DEFAULT_THROTTLE.maxDelayMs && delay <= throttleDelayMs(n + 1, DEFAULT_THROTTLE)
    }))
  })

  it("forgets attempts after the window, and never holds more entries than its bound", () => {
    const policy = { ...DEFAULT_THROTTLE, windowMs: 1000, maxEntries: 100 }
    const log = new AttemptLog(policy)
    expect([log.add("a", 0), log.add("a", 10), log.add("a", 20)]).toEqual([0, 1, 2])
    expect(log.count("a", 500)).toBe(3)
    expect(log.count("a", 2000)).toBe(0)
    log.forgive("a")
    expect(log.count("a", 500)).toBe(2)
    for (let i = 0; i < 10_000; i++) log.add(`client-${i}`, 100 + i / 100)
    expect(log.size).toBeLessThanOrEqual(100)
    // The newest entries are the ones kept.
    expect(log.count("client-9999", 300)).toBe(1)
    expect(log.count("client-0", 300)).toBe(0)
  })
})

describe("session tokens and devices", () => {
  it("makes tokens as upstream does and stores their SHA-256 in base64", () => {
    const token = newSessionToken()
    // Base64 without its non-word characters: 43 at most, a few fewer when the bytes gave "+" or "/".
    expect(token).toMatch(/^\w{30,43}$/)
    expect(newSessionToken()).not.toBe(token)
    // sha256("abc") from FIPS 180-2, in base64.
    expect(hashSessionToken("abc")).toBe("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=")
  })

  it("reads the browser, the system and the Immich app's version from the User-Agent", () => {
    expect(
      sessionDevice({
        "user-agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/140.0 Safari/537.36"
      })
    )
      .toEqual({ deviceType: "Chrome", deviceOS: "Windows", appVersion: null })
    expect(sessionDevice({ "user-agent": "Immich_Android_2.3.1", devicemodel: "Pixel 9" }))
      .toEqual({ deviceType: "Pixel 9", deviceOS: "Android", appVersion: "2.3.1" })
    expect(sessionDevice({})).toEqual({ deviceType: "", deviceOS: "", appVersion: null })
  })
})

describe("IMMICH_TRUSTED_PROXIES", () => {
  it("reads addresses and CIDR networks, none by default, and names what it refuses", () => {
    const parsed = parseServerEnv({ IMMICH_TRUSTED_PROXIES: " 127.0.0.1, 10.0.0.0/8,::1 ,fd00::/8," })
    expect(parsed.ok && parsed.settings.trustedProxies).toEqual(["127.0.0.1/32", "10.0.0.0/8", "::1/128", "fd00::/8"])
    const unset = parseServerEnv({})
    expect(unset.ok && unset.settings.trustedProxies).toEqual([])
    expect(problemsOf(parseServerEnv({ IMMICH_TRUSTED_PROXIES: "10.0.0.0/8, proxy.lan" }))).toEqual([{
      variable: "IMMICH_TRUSTED_PROXIES",
      problem: `"proxy.lan" is not an IP address or a network such as 10.0.0.0/8; separate several with commas`
    }])
    expect(problemsOf(parseServerEnv({ IMMICH_TRUSTED_PROXIES: "10.0.0.0/33" }))).toHaveLength(1)
  })
})
