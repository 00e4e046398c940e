/**
 * The web gallery in a real browser (Debian's Chromium, driven by playwright-core) against real server
 * processes on both engines: sign-up, thumbnails the browser decoded, the viewer and a byte-identical
 * download, upload through the page, a video seek answered 206, delete, the admin page, logout, a wrong
 * password. Screenshots go to test-artifacts/web/.
 */
import * as fs from "node:fs/promises"
import type { Browser, BrowserContext, Page, Response } from "playwright-core"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import {
  collectPageErrors,
  decodedThumbnails,
  dropFile,
  launchChromium,
  previewDecoded,
  screenshot,
  seekAndPlay,
  videoMetadata
} from "./browser.ts"
import { eventually, localStorage, s3Storage, startServerOn } from "./helpers.ts"
import type { ServerUnderTest, StorageUnderTest } from "./helpers.ts"
import { makePicture, makeVideo } from "./media.ts"
import { apiLogin, apiLoginStatus, uploadAs } from "./sessionClient.ts"

const PASSWORD = "correct horse battery staple"
const video = makeVideo()

describe.each(["local", "s3"] as const)("web gallery on %s", (engine) => {
  const email = `admin-${engine}@example.com`
  let storage: StorageUnderTest
  let sut: ServerUnderTest
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let errors: Array<string>
  let token: string
  const originals = new Map<string, Buffer>()

  beforeAll(async () => {
    storage = engine === "local" ? await localStorage() : await s3Storage(inject("s3Endpoint"))
    sut = await startServerOn(storage)
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true })
    context.setDefaultTimeout(15_000)
    page = await context.newPage()
    errors = collectPageErrors(page)
  })

  afterAll(async () => {
    await browser?.close()
    await sut?.stop()
    await storage?.cleanUp()
  })

  const cell = (id: string) => page.locator(`.cell[data-asset-id="${id}"]`)
  const openViewer = async (id: string) => {
    await cell(id).click()
    await page.waitForSelector(`[data-testid=viewer][data-asset-id="${id}"]`)
  }

  it("signs up the first admin on a fresh server and lands on the timeline with a session cookie", async () => {
    await page.goto(sut.server.url)
    await page.waitForSelector("[data-testid=signup-form]")
    await page.fill("input[name=name]", "Web Admin")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.waitForSelector("[data-testid=timeline]")
    expect(await page.textContent("[data-testid=user-email]")).toBe(email)
    const cookie = (await context.cookies()).find((c) => c.name === "immich_access_token")
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax" })
  })

  it("shows uploaded images as thumbnails the browser has decoded", async () => {
    token = await apiLogin(sut.server.url, email, PASSWORD)
    for (let i = 0; i < 6; i++) {
      const bytes = await makePicture(i + (engine === "s3" ? 3 : 0))
      const month = `2024-0${1 + (i % 3)}-1${i}T10:00:00.000Z`
      const { status, body } = await uploadAs(sut.server.url, token, `picture-${i}.jpg`, bytes, month)
      expect(status).toBe(201)
      originals.set(body.id, bytes)
    }
    await page.reload()
    const ids = [...originals.keys()]
    await eventually(async () => ((await decodedThumbnails(page)).filter((id) => ids.includes(id)).length === 6
      ? true
      : undefined)
    )
    expect(await page.locator(".month").allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/2024/)])
    )
    await screenshot(page, `timeline-${engine}`)
  })

  it("opens an image full-screen, steps with the arrow keys, and downloads its original byte-identical", async () => {
    // The newest asset, top left: the arrow keys have a next one to go to.
    const first = await page.locator(".cell[data-asset-id]").first().getAttribute("data-asset-id")
    expect(originals.has(first!)).toBe(true)
    await openViewer(first!)
    await previewDecoded(page)
    await screenshot(page, `viewer-${engine}`)
    await page.keyboard.press("ArrowRight")
    await page.waitForSelector(`[data-testid=viewer]:not([data-asset-id="${first}"])`)
    await page.keyboard.press("ArrowLeft")
    await page.waitForSelector(`[data-testid=viewer][data-asset-id="${first}"]`)
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=download]")])
    expect(await download.failure()).toBeNull()
    expect(download.suggestedFilename()).toMatch(/^picture-\d\.jpg$/)
    expect((await fs.readFile(await download.path())).equals(originals.get(first!)!)).toBe(true)
    await page.keyboard.press("Escape")
    await page.waitForSelector("[data-testid=viewer]", { state: "detached" })
  })

  it("uploads through the page with progress, reports a duplicate, and shows the new image", async () => {
    const bytes = await makePicture(20)
    const file = { name: "from-the-page.jpg", mimeType: "image/jpeg", buffer: bytes }
    const before = new Set(await decodedThumbnails(page))
    await page.setInputFiles("[data-testid=file-input]", file)
    await page.waitForSelector("[data-testid=upload-item][data-state=created]")
    expect(await page.locator("[data-testid=upload-item] progress").first().getAttribute("value")).toBe("1")
    const added = await eventually(async () => (await decodedThumbnails(page)).find((id) => !before.has(id)))
    originals.set(added, bytes)
    await page.setInputFiles("[data-testid=file-input]", file)
    await page.waitForSelector("[data-testid=upload-item][data-state=duplicate]")
    await screenshot(page, `upload-${engine}`)
  })

  it("uploads a file dropped on the page", async () => {
    const bytes = await makePicture(30)
    const before = new Set(await decodedThumbnails(page))
    await dropFile(page, "dropped.jpg", "image/jpeg", bytes)
    await page.waitForSelector("[data-testid=upload-item][data-state=created] >> text=dropped.jpg")
    const added = await eventually(async () => (await decodedThumbnails(page)).find((id) => !before.has(id)))
    originals.set(added, bytes)
  })

  it("plays a video and seeks with a range request answered 206", async () => {
    await page.setInputFiles("[data-testid=file-input]", await video)
    await page.waitForSelector("[data-testid=upload-item][data-state=created] >> text=clip.mp4")
    const videoCell = page.locator(".cell:has(.badge)").first()
    await videoCell.waitFor()
    const id = (await videoCell.getAttribute("data-asset-id"))!
    const answers: Array<Response> = []
    page.on("response", (r) => void (r.url().includes(`/api/assets/${id}/video/playback`) && answers.push(r)))
    await openViewer(id)
    const player = page.locator("[data-testid=video]")
    await player.waitFor({ state: "attached" })
    await videoMetadata(player)
    const seekFrom = answers.length
    await seekAndPlay(page, player, 10.5)
    const ranged = answers.slice(seekFrom).filter((r) => r.status() === 206)
    expect(ranged.map((r) => r.headers()["content-range"])).toContainEqual(expect.stringMatching(/^bytes [1-9]\d*-/))
    await page.keyboard.press("Escape")
  })

  it("deletes an image after a confirmation", async () => {
    const [, victim] = [...originals.keys()]
    await openViewer(victim!)
    await page.click("[data-testid=delete]")
    await page.click("[data-testid=confirm] >> text=Cancel")
    expect(await page.locator(`[data-testid=viewer][data-asset-id="${victim}"]`).count()).toBe(1)
    await page.click("[data-testid=delete]")
    await page.click("[data-testid=confirm-yes]")
    await page.waitForSelector("[data-testid=viewer]", { state: "detached" })
    await cell(victim!).waitFor({ state: "detached" })
    const gone = await fetch(`${sut.server.url}/api/assets/${victim}`, {
      headers: { authorization: `Bearer ${token}` }
    })
    expect(gone.status).toBe(404)
    originals.delete(victim!)
  })

  it("shows the storage engine, location, integrity markers and backups; backs up now", async () => {
    await page.click("[data-testid=admin-link]")
    await page.waitForSelector("[data-testid=markers] li")
    if (engine === "s3") {
      const [bucket, prefix] = sut.base.slice("s3://".length).split("/")
      expect(await page.textContent("[data-testid=bucket]")).toBe(bucket)
      expect(await page.textContent("[data-testid=prefix]")).toBe(prefix)
    } else {
      expect(await page.textContent("[data-testid=root]")).toBe(sut.base)
    }
    expect(await page.locator("[data-testid=markers] li").count()).toBe(6)
    expect(await page.locator("[data-testid=markers] li.missing").count()).toBe(0)
    await page.click("[data-testid=backup-now]")
    await page.waitForSelector("[data-testid=backups] td >> text=/immich-db-backup-/", { timeout: 30_000 })
    expect(await page.textContent("[data-testid=backups] tbody")).toMatch(/just now|min ago/)
    await screenshot(page, `admin-${engine}`)
    await page.click("a[href='#/']")
  })

  it("logs out, and the session's cookie is refused afterwards", async () => {
    const cookie = (await context.cookies()).find((c) => c.name === "immich_access_token")!
    const asCookie = { cookie: `immich_access_token=${cookie.value}` }
    expect((await fetch(`${sut.server.url}/api/users/me`, { headers: asCookie })).status).toBe(200)
    await page.click("[data-testid=logout]")
    await page.waitForSelector("[data-testid=login-form]")
    expect((await fetch(`${sut.server.url}/api/users/me`, { headers: asCookie })).status).toBe(401)
  })

  it("refuses a wrong password on the page, and slows repeated failures", async () => {
    const wrongOnPage = async () => {
      await page.fill("input[name=email]", email)
      await page.fill("input[name=password]", "not the password")
      const started = Date.now()
      await page.click("button[type=submit]")
      await page.waitForSelector("[data-testid=login-error]")
      const waited = Date.now() - started
      await page.fill("input[name=password]", "")
      return waited
    }
    const first = await wrongOnPage()
    expect(await page.locator("[data-testid=timeline]").count()).toBe(0)
    // The sessions' throttle lets a few failures through at once, then makes each next one wait longer.
    for (let i = 0; i < 4; i++) expect(await apiLoginStatus(sut.server.url, email, "still wrong")).toBe(401)
    const sixth = await wrongOnPage()
    expect(sixth - first).toBeGreaterThan(400)
    await screenshot(page, `wrong-password-${engine}`)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.waitForSelector("[data-testid=timeline]")
  })

  it("goes back to its login when the session is ended elsewhere", async () => {
    const cookie = (await context.cookies()).find((c) => c.name === "immich_access_token")!
    const ended = await fetch(`${sut.server.url}/api/auth/logout`, {
      method: "POST",
      headers: { authorization: `Bearer ${cookie.value}` }
    })
    expect(ended.ok).toBe(true)
    await page.click("[data-testid=admin-link]")
    await page.waitForSelector("[data-testid=login-form]")
  })

  it("ran without page errors or Content-Security-Policy violations", () => {
    expect(errors).toEqual([])
  })
})
