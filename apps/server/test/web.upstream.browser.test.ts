/**
 * The web gallery on a database upstream Immich v3.2 created: sign-up, the timeline from upstream's columns,
 * and thumbhash placeholders (upstream's `asset.thumbhash`, which this server does not compute) decoded by the
 * page under its Content-Security-Policy.
 */
import { createDatabaseOfKind } from "@immich-storage/testkit"
import type { TestDatabase } from "@immich-storage/testkit"
import type { Browser, Page } from "playwright-core"
import sharp from "sharp"
import { rgbaToThumbHash } from "thumbhash"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { collectPageErrors, decodedThumbnails, launchChromium, screenshot } from "./browser.ts"
import { eventually, localStorage, startServerOn } from "./helpers.ts"
import type { ServerUnderTest, StorageUnderTest } from "./helpers.ts"
import { makePicture } from "./media.ts"
import { apiLogin, uploadAs } from "./sessionClient.ts"

const EMAIL = "owner@example.com"
const PASSWORD = "an upstream password"

/** Upstream's thumbhash of an image: RGBA at most 100 px a side, as Immich computes it. */
const thumbhashOf = async (image: Buffer): Promise<Buffer> => {
  const { data, info } = await sharp(image).resize(100, 100, { fit: "inside" }).ensureAlpha().raw()
    .toBuffer({ resolveWithObject: true })
  return Buffer.from(rgbaToThumbHash(info.width, info.height, data))
}

describe("web gallery on an upstream v3.2 database", () => {
  let database: TestDatabase
  let storage: StorageUnderTest
  let sut: ServerUnderTest
  let browser: Browser
  let page: Page
  let errors: Array<string>

  beforeAll(async () => {
    database = await createDatabaseOfKind("v3.2")
    storage = await localStorage()
    sut = await startServerOn(storage, {}, database)
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    errors = collectPageErrors(page)
  })

  afterAll(async () => {
    await browser?.close()
    await sut?.stop()
    await storage?.cleanUp()
  })

  it("signs up, then shows upstream's thumbhash placeholders and the thumbnails over them", async () => {
    await page.goto(sut.server.url)
    await page.waitForSelector("[data-testid=signup-form]")
    await page.fill("input[name=name]", "Owner")
    await page.fill("input[name=email]", EMAIL)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.waitForSelector("[data-testid=timeline]")
    const token = await apiLogin(sut.server.url, EMAIL, PASSWORD)
    const ids: Array<string> = []
    for (let i = 0; i < 3; i++) {
      const picture = await makePicture(40 + i)
      const { status, body } = await uploadAs(
        sut.server.url,
        token,
        `upstream-${i}.jpg`,
        picture,
        `2023-08-0${i + 1}T09:00:00Z`
      )
      expect(status).toBe(201)
      await sut.sql`update "asset" set "thumbhash" = ${await thumbhashOf(picture)} where "id" = ${body.id}`
      ids.push(body.id)
    }
    await page.reload()
    await eventually(
      async () => ((await decodedThumbnails(page)).filter((id) => ids.includes(id)).length === 3 ? true : undefined)
    )
    for (const id of ids) {
      const background = await page.locator(`.cell[data-asset-id="${id}"]`).evaluate((cell) =>
        (cell as unknown as { style: { backgroundImage: string } }).style.backgroundImage
      )
      expect(background).toMatch(/^url\("data:image\/png;base64,[A-Za-z0-9+/=]+"\)$/)
    }
    await screenshot(page, "timeline-upstream-v3.2")
    // With the thumbnails held back, the placeholders are what shows.
    await page.route("**/thumbnail?size=thumbnail*", (route) => route.abort())
    await page.reload()
    await page.locator(`.cell[data-asset-id="${ids[0]}"]`).waitFor()
    await screenshot(page, "thumbhash-placeholders-upstream-v3.2")
    await page.unroute("**/thumbnail?size=thumbnail*")
    expect(errors.filter((e) => !e.includes("net::ERR_FAILED"))).toEqual([])
  })
})
