import { REPO_ROOT } from "@immich-storage/testkit"
import * as fs from "node:fs"
import * as path from "node:path"
import { chromium } from "playwright-core"
import type { Browser, Locator, Page } from "playwright-core"
import { ensureWebPageBuilt } from "../../web/ensureBuilt.ts"

/** Debian's Chromium, driven by playwright-core (which downloads no browser of its own). */
export const CHROMIUM = "/usr/bin/chromium"
export const ARTIFACTS = path.join(REPO_ROOT, "test-artifacts", "web")

/**
 * Starts headless Chromium; without it, fails saying how to install it (a browser test must never pass by
 * not running). The page is built first when apps/web/dist is missing or stale, as `npm start` does.
 */
export const launchChromium = async (): Promise<Browser> => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`The browser tests need Chromium at ${CHROMIUM}: install it with \`apt-get install chromium\``)
  }
  await ensureWebPageBuilt()
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]
  })
}

/** Saves a screenshot as a test artifact (test-artifacts/web/<name>.png) and returns its path. */
export const screenshot = async (page: Page, name: string): Promise<string> => {
  const file = path.join(ARTIFACTS, `${name}.png`)
  await page.screenshot({ path: file })
  return file
}

/** Errors the page logs (CSP violations among them): a test asserts there are none. */
export const collectPageErrors = (page: Page): Array<string> => {
  const errors: Array<string> = []
  page.on("pageerror", (error) => errors.push(error.message))
  page.on("console", (message) => {
    if (message.type() === "error" && !/status of 40[134]/.test(message.text())) errors.push(message.text())
  })
  return errors
}

// The few DOM shapes the functions below run in the page with (this test project compiles without the DOM
// library, which would give the Node code browser globals it does not have).
interface DomElement {
  readonly closest: (selector: string) => { getAttribute: (name: string) => string | null } | null
}
interface DomImage extends DomElement {
  readonly complete: boolean
  readonly naturalWidth: number
}
interface DomVideo {
  readyState: number
  seeking: boolean
  currentTime: number
  play: () => Promise<void>
  addEventListener: (type: string, listener: () => void) => void
}
declare const document: { querySelector: (selector: string) => unknown }

/** Thumbnails in the grid that the browser has decoded (naturalWidth > 0), by asset id. */
export const decodedThumbnails = (page: Page): Promise<Array<string>> =>
  page.$$eval("[data-asset-id] img.thumb", (images) =>
    (images as unknown as Array<DomImage>)
      .filter((img) => img.complete && img.naturalWidth > 0)
      .map((img) => img.closest("[data-asset-id]")?.getAttribute("data-asset-id") ?? ""))

/** Waits until the viewer's preview image is decoded. */
export const previewDecoded = (page: Page) =>
  page.waitForFunction(() => {
    const img = document.querySelector("[data-testid=preview]") as DomImage | null
    return img !== null && img.complete && img.naturalWidth > 0
  })

/** Waits for the video's metadata (duration, size). */
export const videoMetadata = (player: Locator) =>
  player.evaluate((v) =>
    new Promise((ready) => ((v as unknown as DomVideo).readyState >= 1 ? ready(null) : (v as unknown as DomVideo)
      .addEventListener("loadedmetadata", () => ready(null)))
    )
  )

/** Seeks to `seconds`, plays from there, and waits until a frame there is shown. */
export const seekAndPlay = async (page: Page, player: Locator, seconds: number) => {
  const playing = player.evaluate((v, at) => {
    const video = v as unknown as DomVideo
    video.currentTime = at
    return video.play()
  }, seconds)
  await playing
  await page.waitForFunction((at) => {
    const video = document.querySelector("video") as DomVideo | null
    return video !== null && !video.seeking && video.readyState >= 2 && video.currentTime >= at
  }, seconds)
}

// The drag-and-drop shapes, in the page.
declare const DataTransfer: new() => { items: { add: (file: unknown) => void } }
declare const File: new(parts: Array<Uint8Array>, name: string, options: { type: string }) => unknown
declare const DragEvent: new(type: string, init: { dataTransfer: unknown; bubbles: boolean }) => unknown
declare const window: { dispatchEvent: (event: unknown) => boolean }

/** Drops a file on the page as a person dragging it from their desktop would (dragover, then drop). */
export const dropFile = (page: Page, name: string, type: string, bytes: Uint8Array) =>
  page.evaluate(({ name, type, base64 }) => {
    const content = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
    const transfer = new DataTransfer()
    transfer.items.add(new File([content], name, { type }))
    window.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true }))
    window.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true }))
  }, { name, type, base64: Buffer.from(bytes).toString("base64") })
