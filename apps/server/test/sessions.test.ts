import { createDatabaseOfKind, insertUserRow } from "@immich-storage/testkit"
import type { TestDatabaseKind } from "@immich-storage/testkit"
import { createHash } from "node:crypto"
import * as http from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ADMIN_KEY, localStorage, startServerOn } from "./helpers.ts"
import type { ServerUnderTest, StorageUnderTest } from "./helpers.ts"

/**
 * Immich's sessions as its web app and mobile apps use them, on a database of our own and on upstream's
 * v2.7 and v3.2 schemas: admin sign-up, login with a cookie and a token, the three ways to send the token,
 * logout, accounts an admin adds, password changes, bcrypt hashes from another implementation, and the
 * same-origin rule for the cookie.
 */

/** Made with Apache's `htpasswd -bnBC 10 "" 'Immich-pa55 wörd'` (APR's bcrypt, not the library we use). */
const HTPASSWD_HASH = "$2y$10$PcmJ8ohykPo9tE68h9kyreyaUdqga.l2o/uwU94eKrVefLB/MrBIe"
const HTPASSWD_PASSWORD = "Immich-pa55 wörd"

export interface Answer {
  readonly status: number
  readonly body: Record<string, unknown>
  readonly setCookies: ReadonlyArray<string>
  readonly ms: number
}

/** One request with `node:http`, so that the test chooses every header and the address it comes from. */
export const call = (
  url: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown; localAddress?: string } = {}
): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body)
    const headers = { ...(payload === undefined ? {} : { "content-type": "application/json" }), ...options.headers }
    const request = http.request(`${url}${path}`, {
      method,
      headers,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress })
    }, (response) => {
      let text = ""
      response.on("data", (chunk) => (text += chunk))
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          body: text === "" ? {} : JSON.parse(text) as Record<string, unknown>,
          setCookies: response.headers["set-cookie"] ?? [],
          ms: performance.now() - started
        }))
    })
    request.on("error", reject)
    request.end(payload)
  })

const sha256Base64 = (text: string) => createHash("sha256").update(text).digest("base64")

describe.each(["own", "v3.2", "v2.7"] as const satisfies ReadonlyArray<TestDatabaseKind>)(
  "sessions on a %s database",
  (kind) => {
    let storage: StorageUnderTest
    let sut: ServerUnderTest
    let url: string
    let host: string
    const admin = { email: "Owner@Example.com", password: "correct horse battery", name: "Owner" }
    const login = (email: string, password: string, headers: Record<string, string> = {}) =>
      call(url, "POST", "/api/auth/login", { body: { email, password }, headers })

    beforeAll(async () => {
      storage = await localStorage()
      sut = await startServerOn(storage, {}, await createDatabaseOfKind(kind))
      url = sut.server.url
      host = new URL(url).host
    })

    afterAll(async () => {
      await sut?.stop()
      await sut?.database.drop()
      await storage?.cleanUp()
    })

    it("admin sign-up gives the admin made at first start a password, once", async () => {
      const [keyHolder] = await sut.sql<Array<{ id: string }>>`select "id" from "user" where "isAdmin"`
      expect((await login(admin.email, admin.password)).status).toBe(401)

      const signUp = await call(url, "POST", "/api/auth/admin-sign-up", { body: admin })
      expect(signUp.status, JSON.stringify(signUp.body)).toBe(201)
      expect(signUp.body).toMatchObject({ id: keyHolder!.id, email: "owner@example.com", name: "Owner", isAdmin: true })
      // The API key printed at first start still belongs to the same admin.
      const me = await call(url, "GET", "/api/users/me", { headers: { "x-api-key": ADMIN_KEY } })
      expect(me.body["email"]).toBe("owner@example.com")

      const again = await call(url, "POST", "/api/auth/admin-sign-up", {
        body: { ...admin, email: "other@example.com" }
      })
      expect(again).toMatchObject({ status: 400, body: { message: "The server already has an admin" } })
      const [row] = await sut.sql<Array<{ password: string }>>`select "password" from "user" where "id" = ${
        keyHolder!.id
      }`
      expect(row!.password).toMatch(/^\$2b\$10\$[./A-Za-z0-9]{53}$/)
    })

    it("login answers LoginResponseDto and upstream's cookies; the session row holds only the token's digest", async () => {
      const answer = await login("  OWNER@example.com ", admin.password, {
        "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
        // Believed only from a trusted proxy (IMMICH_TRUSTED_PROXIES), and none is set here.
        "x-forwarded-proto": "https"
      })
      expect(answer.status, JSON.stringify(answer.body)).toBe(201)
      expect(Object.keys(answer.body).sort()).toEqual(
        [
          "accessToken",
          "isAdmin",
          "isOnboarded",
          "name",
          "profileImagePath",
          "shouldChangePassword",
          "userEmail",
          "userId"
        ]
      )
      const token = answer.body["accessToken"] as string
      expect(token).toMatch(/^\w{30,43}$/)
      expect(answer.body).toMatchObject({ userEmail: "owner@example.com", name: "Owner", isAdmin: true })

      const access = answer.setCookies.find((c) => c.startsWith("immich_access_token="))!
      expect(access).toContain(`immich_access_token=${token}`)
      expect(access).toMatch(/; HttpOnly/)
      expect(access).toMatch(/; SameSite=Lax/)
      expect(access).toMatch(/; Path=\//)
      expect(access).not.toMatch(/; Secure/) // plain http, whatever the client claims
      expect(answer.setCookies.find((c) => c.startsWith("immich_is_authenticated=true"))).not.toMatch(/HttpOnly/)
      expect(answer.setCookies.some((c) => c.startsWith("immich_auth_type=password"))).toBe(true)

      const rows = await sut.sql<Array<{ token: string; deviceType: string; deviceOS: string }>>`
      select "token", "deviceType", "deviceOS" from "session" where "userId" = ${answer.body["userId"] as string}`
      expect(rows.map((r) => r.token)).toContain(sha256Base64(token))
      expect(rows.map((r) => r.token)).not.toContain(token)
      expect(rows.find((r) => r.token === sha256Base64(token))).toMatchObject({
        deviceType: "Firefox",
        deviceOS: "Linux"
      })
    })

    it("the token works as a bearer token, the cookie and x-immich-user-token; logout ends the session", async () => {
      const token = (await login(admin.email, admin.password)).body["accessToken"] as string
      const ways = [
        { authorization: `Bearer ${token}` },
        { cookie: `immich_access_token=${token}` },
        { "x-immich-user-token": token }
      ]
      for (const headers of ways) {
        const me = await call(url, "GET", "/api/users/me", { headers })
        expect(me.status, JSON.stringify(headers)).toBe(200)
        expect(me.body["email"]).toBe("owner@example.com")
        expect(
          await call(url, "POST", "/api/auth/validateToken", { headers: { ...headers, origin: `http://${host}` } })
        )
          .toMatchObject({ status: 200, body: { authStatus: true } })
      }
      // A session is no API key.
      expect((await call(url, "GET", "/api/api-keys/me", { headers: ways[0]! })).status).toBe(403)
      expect((await call(url, "GET", "/api/users/me", { headers: { authorization: `Bearer ${token}x` } })).status).toBe(
        401
      )

      const logout = await call(url, "POST", "/api/auth/logout", { headers: ways[0]! })
      expect(logout).toMatchObject({ status: 200, body: { successful: true, redirectUri: "/auth/login?autoLaunch=0" } })
      expect(logout.setCookies.find((c) => c.startsWith("immich_access_token="))).toMatch(
        /Max-Age=0|Expires=Thu, 01 Jan 1970/
      )
      for (const headers of ways) {
        expect((await call(url, "GET", "/api/users/me", { headers })).status, JSON.stringify(headers)).toBe(401)
      }
      const [left] = await sut.sql`select 1 from "session" where "token" = ${sha256Base64(token)}`
      expect(left).toBeUndefined()
    })

    it("a state-changing request on the cookie alone must come from the same origin; tokens and keys need not", async () => {
      const token = (await login(admin.email, admin.password)).body["accessToken"] as string
      const cookie = { cookie: `immich_access_token=${token}` }
      const validate = (headers: Record<string, string>) => call(url, "POST", "/api/auth/validateToken", { headers })

      expect((await validate({ ...cookie, origin: `http://${host}` })).status).toBe(200)
      expect((await validate({ ...cookie, referer: `http://${host}/photos` })).status).toBe(200)
      const refused = await validate({ ...cookie, origin: "https://evil.example" })
      expect(refused.status).toBe(403)
      expect(refused.body["message"]).toMatch(/Cross-site/)
      expect((await validate({ ...cookie, referer: "https://evil.example/page" })).status).toBe(403)
      expect((await validate({ ...cookie, origin: "null" })).status).toBe(403)
      expect((await validate(cookie)).status).toBe(403)
      // A cross-site logout through the cookie is refused too, and leaves the session alive.
      expect(
        (await call(url, "POST", "/api/auth/logout", { headers: { ...cookie, origin: "https://evil.example" } })).status
      ).toBe(403)
      expect((await call(url, "GET", "/api/users/me", { headers: cookie })).status).toBe(200)

      // Reads need no origin; a bearer token, the header and an API key are never sent by a browser on its own.
      expect(
        (await call(url, "GET", "/api/users/me", { headers: { ...cookie, origin: "https://evil.example" } })).status
      ).toBe(200)
      const foreign = { origin: "https://evil.example" }
      expect((await validate({ ...foreign, authorization: `Bearer ${token}` })).status).toBe(200)
      expect((await validate({ ...foreign, "x-immich-user-token": token })).status).toBe(200)
      const keyed = await call(url, "POST", "/api/assets/bulk-upload-check", {
        headers: { ...foreign, "x-api-key": ADMIN_KEY },
        body: { assets: [] }
      })
      expect(keyed.status).toBe(200)
    })

    it("an admin adds a user, who logs in and changes their password", async () => {
      const adminToken = (await login(admin.email, admin.password)).body["accessToken"] as string
      const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
      const created = await call(url, "POST", "/api/admin/users", {
        headers: bearer(adminToken),
        body: { email: "Friend@Example.com", name: "Friend", password: "first-password" }
      })
      expect(created.status, JSON.stringify(created.body)).toBe(201)
      expect(created.body).toMatchObject({ email: "friend@example.com", name: "Friend", isAdmin: false })
      const duplicate = await call(url, "POST", "/api/admin/users", {
        headers: bearer(adminToken),
        body: { email: "friend@example.com", name: "Again", password: "x" }
      })
      expect(duplicate.status).toBe(400)

      const first = await login("friend@example.com", "first-password")
      expect(first.status).toBe(201)
      const userToken = first.body["accessToken"] as string
      const asUser = await call(url, "POST", "/api/admin/users", {
        headers: bearer(userToken),
        body: { email: "third@example.com", name: "Third", password: "whatever" }
      })
      expect(asUser.status).toBe(403)

      const changed = await call(url, "PUT", "/api/users/me", {
        headers: bearer(userToken),
        body: { password: "second-password" }
      })
      expect(changed.status, JSON.stringify(changed.body)).toBe(200)
      expect(changed.body).toMatchObject({ email: "friend@example.com", shouldChangePassword: false })
      expect((await login("friend@example.com", "first-password")).status).toBe(401)
      expect((await login("friend@example.com", "second-password")).status).toBe(201)

      const wrong = await call(url, "POST", "/api/auth/change-password", {
        headers: bearer(userToken),
        body: { password: "not-it", newPassword: "third-password" }
      })
      expect(wrong).toMatchObject({ status: 400, body: { message: "Wrong password" } })
      const right = await call(url, "POST", "/api/auth/change-password", {
        headers: bearer(userToken),
        body: { password: "second-password", newPassword: "third-password", invalidateSessions: true }
      })
      expect(right.status).toBe(200)
      // The other session (the second login) ended; the one that changed the password lives on.
      const sessions = await sut.sql`select 1 from "session" where "userId" = ${created.body["id"] as string}`
      expect(sessions.length).toBe(1)
      expect((await call(url, "GET", "/api/users/me", { headers: bearer(userToken) })).status).toBe(200)
    })

    it("a user whose bcrypt hash another implementation made logs in with their password", async () => {
      await insertUserRow(sut.sql, { email: "legacy@example.com", name: "Legacy", password: HTPASSWD_HASH })
      expect((await login("legacy@example.com", "Immich-pa55 word")).status).toBe(401)
      const answer = await login("legacy@example.com", HTPASSWD_PASSWORD)
      expect(answer.status, JSON.stringify(answer.body)).toBe(201)
      expect(answer.body["userEmail"]).toBe("legacy@example.com")
      // Unknown e-mails and users without a password are refused with the same message.
      expect((await login("nobody@example.com", "x")).body["message"]).toBe("Incorrect email or password")
    })
  }
)

describe("failed logins are slowed, per client and per account", () => {
  let storage: StorageUnderTest
  let sut: ServerUnderTest
  let url: string

  beforeAll(async () => {
    storage = await localStorage()
    sut = await startServerOn(storage)
    url = sut.server.url
    const signUp = { email: "owner@example.com", password: "the-right-one", name: "Owner" }
    expect((await call(url, "POST", "/api/auth/admin-sign-up", { body: signUp })).status).toBe(201)
  })

  afterAll(async () => {
    await sut?.stop()
    await sut?.database.drop()
    await storage?.cleanUp()
  })

  // Two clients on one machine: Linux answers every 127/8 address on the loopback interface.
  const attacker = "127.0.0.1"
  const owner = "127.0.0.2"
  const attempt = (from: string, email: string, password: string) =>
    call(url, "POST", "/api/auth/login", { body: { email, password }, localAddress: from })

  it("a guesser waits longer and longer; the owner's right password from elsewhere still gets in", async () => {
    const guesses: Array<number> = []
    for (let i = 0; i < 8; i++) {
      const answer = await attempt(attacker, "owner@example.com", `guess-${i}`)
      expect(answer.status).toBe(401)
      guesses.push(answer.ms)
    }
    // Five free attempts (one bcrypt comparison each), then 0.5 s, 1 s, 2 s more.
    // (Bounds are relative where bcrypt's own time, which a busy machine stretches, is part of the figure.)
    const free = Math.max(...guesses.slice(0, 5))
    expect(free).toBeLessThan(guesses[6]! - 500)
    expect(guesses[5]!).toBeGreaterThan(500)
    expect(guesses[6]!).toBeGreaterThan(1000)
    expect(guesses[7]!).toBeGreaterThan(2000)
    expect(guesses[7]! - guesses[6]!).toBeGreaterThan(800)

    // The account is slowed for everyone, never locked: the owner waits the account's delay (4 s), once.
    const right = await attempt(owner, "owner@example.com", "the-right-one")
    expect(right.status).toBe(201)
    expect(right.ms).toBeGreaterThan(3500)
    expect(right.ms).toBeLessThan(8000)
    const again = await attempt(owner, "owner@example.com", "the-right-one")
    expect(again.status).toBe(201)
    expect(again.ms).toBeLessThan(right.ms - 3000)

    // The guesser's own address stays slowed, whatever account it tries next.
    const elsewhere = await attempt(attacker, "someone-else@example.com", "guess")
    expect(elsewhere.status).toBe(401)
    expect(elsewhere.ms).toBeGreaterThan(4000)
    const log = sut.server.output()
    expect(log).toContain(`Failed login attempt for "owner@example.com" from ${attacker}`)
  })
})

describe("behind a trusted reverse proxy (IMMICH_TRUSTED_PROXIES)", () => {
  let storage: StorageUnderTest
  let sut: ServerUnderTest
  let url: string
  const proxy = "127.0.0.1"
  const stranger = "127.0.0.2"
  const forwarded = {
    "x-forwarded-for": "203.0.113.9",
    "x-forwarded-proto": "https",
    "x-forwarded-host": "photos.example"
  }
  const owner = { email: "owner@example.com", password: "the-right-one" }

  beforeAll(async () => {
    storage = await localStorage()
    sut = await startServerOn(storage, { IMMICH_TRUSTED_PROXIES: `${proxy}, 10.0.0.0/8` })
    url = sut.server.url
    const signUp = { ...owner, name: "Owner" }
    expect((await call(url, "POST", "/api/auth/admin-sign-up", { body: signUp })).status).toBe(201)
  })

  afterAll(async () => {
    await sut?.stop()
    await sut?.database.drop()
    await storage?.cleanUp()
  })

  const login = (from: string, password: string) =>
    call(url, "POST", "/api/auth/login", { body: { ...owner, password }, headers: forwarded, localAddress: from })

  it("takes the client's address, https and the host from the proxy, and from nobody else", async () => {
    expect((await login(proxy, "wrong")).status).toBe(401)
    expect((await login(stranger, "wrong")).status).toBe(401)
    const log = sut.server.output()
    expect(log).toContain(`Failed login attempt for "owner@example.com" from 203.0.113.9`)
    expect(log).toContain(`Failed login attempt for "owner@example.com" from ${stranger}`)

    const viaProxy = await login(proxy, owner.password)
    expect(viaProxy.setCookies.find((c) => c.startsWith("immich_access_token="))).toMatch(/; Secure/)
    const direct = await login(stranger, owner.password)
    expect(direct.setCookies.find((c) => c.startsWith("immich_access_token="))).not.toMatch(/; Secure/)

    // The same-origin check compares with the host the browser used, as the proxy reports it.
    const cookie = { cookie: `immich_access_token=${viaProxy.body["accessToken"] as string}` }
    const validate = (from: string, headers: Record<string, string>) =>
      call(url, "POST", "/api/auth/validateToken", { headers: { ...cookie, ...headers }, localAddress: from })
    expect((await validate(proxy, { ...forwarded, origin: "https://photos.example" })).status).toBe(200)
    expect((await validate(stranger, { ...forwarded, origin: "https://photos.example" })).status).toBe(403)
    expect((await validate(proxy, { ...forwarded, origin: "https://evil.example" })).status).toBe(403)
  })
})
