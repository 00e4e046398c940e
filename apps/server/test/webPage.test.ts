/** The built page served at `/`: content types, caching, the CSP, index.html for the page's own paths. */
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ensureWebPageBuilt } from "../../web/ensureBuilt.ts"
import { cacheControlOf, contentTypeOf, loadWebFiles, WEB_DIST } from "../src/web/webFiles.ts"
import { ADMIN_KEY, createUser, localStorage, startServerOn } from "./helpers.ts"
import type { ServerUnderTest, StorageUnderTest } from "./helpers.ts"

describe("the web page", () => {
  let storage: StorageUnderTest
  let sut: ServerUnderTest
  let url: string

  beforeAll(async () => {
    await ensureWebPageBuilt()
    storage = await localStorage()
    sut = await startServerOn(storage)
    url = sut.server.url
  })

  afterAll(async () => {
    await sut?.stop()
    await storage?.cleanUp()
  })

  it("answers / with index.html under a Content-Security-Policy without inline scripts", async () => {
    const response = await fetch(`${url}/`)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8")
    expect(response.headers.get("cache-control")).toBe("no-cache")
    const csp = response.headers.get("content-security-policy") ?? ""
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("img-src 'self' blob: data:")
    expect(csp).toContain("media-src 'self' blob:")
    expect(csp).toContain("connect-src 'self'")
    expect(csp).not.toContain("unsafe-inline")
    const html = await response.text()
    expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/)
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
  })

  it("serves the hashed assets with their types and a year of caching, and 304 on a matching ETag", async () => {
    const html = await (await fetch(`${url}/`)).text()
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!
    const style = /href="(\/assets\/[^"]+\.css)"/.exec(html)![1]!
    const js = await fetch(`${url}${script}`)
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8")
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable")
    expect(Buffer.from(await js.arrayBuffer()).equals(await fs.readFile(path.join(WEB_DIST, script)))).toBe(true)
    expect((await fetch(`${url}${style}`)).headers.get("content-type")).toBe("text/css; charset=utf-8")
    const again = await fetch(`${url}${script}`, { headers: { "if-none-match": js.headers.get("etag")! } })
    expect(again.status).toBe(304)
  })

  it("answers the page's own paths with index.html, but unknown API paths and old assets with JSON 404s", async () => {
    const deep = await fetch(`${url}/photos/some/where?x=1`)
    expect(deep.status).toBe(200)
    expect(await deep.text()).toContain("<div id=\"app\">")
    for (const missing of ["/api/nope", "/api", "/assets/index-old.js"]) {
      const response = await fetch(`${url}${missing}`)
      expect(response.status).toBe(404)
      expect(await response.json()).toMatchObject({ statusCode: 404 })
    }
  })

  it("leaves the key-based API as it was", async () => {
    const me = await fetch(`${url}/api/users/me`, { headers: { "x-api-key": ADMIN_KEY } })
    expect(me.status).toBe(200)
    expect((await fetch(`${url}/api/users/me`)).status).toBe(401)
  })

  it("holds no secret: the admin key appears in no file of the page", async () => {
    const files = (await loadWebFiles())!
    for (const file of files.values()) expect(Buffer.from(file.body).includes(ADMIN_KEY)).toBe(false)
  })

  it("GET /api/admin/storage: the engine, the location and the markers, for admins only", async () => {
    const response = await fetch(`${url}/api/admin/storage`, { headers: { "x-api-key": ADMIN_KEY } })
    expect(await response.json()).toEqual({
      engine: "local",
      location: sut.base,
      root: sut.base,
      markers: ["library", "upload", "profile", "thumbs", "encoded-video", "backups"].map((folder) => ({
        folder,
        present: true
      }))
    })
    await storage.removeKey("profile/.immich")
    const after = (await (await fetch(`${url}/api/admin/storage`, { headers: { "x-api-key": ADMIN_KEY } })).json()) as {
      markers: Array<{ folder: string; present: boolean }>
    }
    expect(after.markers.find((m) => m.folder === "profile")).toEqual({ folder: "profile", present: false })
    expect((await fetch(`${url}/api/admin/storage`)).status).toBe(401)
    const user = await createUser(sut.sql, "someone@example.com")
    expect((await fetch(`${url}/api/admin/storage`, { headers: { "x-api-key": user.key } })).status).toBe(403)
  })

  it("types and caches by path", () => {
    expect(contentTypeOf("assets/a.js")).toBe("text/javascript; charset=utf-8")
    expect(contentTypeOf("x.unknown")).toBe("application/octet-stream")
    expect(cacheControlOf("assets/index-abc.css")).toBe("public, max-age=31536000, immutable")
    expect(cacheControlOf("index.html")).toBe("no-cache")
  })
})
