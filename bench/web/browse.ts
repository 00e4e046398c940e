import type { Browser } from "playwright-core"

/** What one browser visit measured, in milliseconds. */
export interface Visit {
  /** From navigation start to every thumbnail cell of the first screen showing a decoded image. */
  readonly firstScreen: number
  /** From reaching the bottom (a fling through every month) to the last month's thumbnails decoded. */
  readonly lastMonth: number
  /** The longest task (PerformanceObserver 'longtask', over 50 ms) while scrolling to the last month. */
  readonly longestTask: number
}

// Run in the page: the shapes it uses, since the bench compiles without the DOM library.
declare const document: {
  querySelector: (selector: string) => { scrollTop: number; scrollHeight: number; clientHeight: number } | null
  querySelectorAll: (selector: string) => ArrayLike<{
    getBoundingClientRect: () => { top: number; bottom: number }
    querySelector: (selector: string) => { complete: boolean; naturalWidth: number } | null
  }>
}
declare const window: { innerHeight: number; __longTasks: Array<number> }
declare const requestAnimationFrame: (callback: () => void) => void
declare const PerformanceObserver: new(callback: (list: { getEntries: () => Array<{ duration: number }> }) => void) => {
  observe: (options: { type: string; buffered: boolean }) => void
}

/**
 * When the viewport shows thumbnail cells and every one of them has a decoded image: the time since navigation
 * start; false before. Self-contained: Playwright runs it in the page (as a function, which the page's CSP
 * allows; a string would be an eval).
 */
const renderedAt = (): number | false => {
  const cells = Array.from(document.querySelectorAll(".cell"))
    .filter((cell) => cell.getBoundingClientRect().bottom > 0 && cell.getBoundingClientRect().top < window.innerHeight)
  const done = cells.length > 0 && cells.every((cell) => {
    const img = cell.querySelector("img.thumb")
    return img !== null && img.complete && img.naturalWidth > 0
  })
  return done && performance.now()
}

/** One visit in a fresh browser context (cold cache), logged in by the session cookie `token`. */
export const visit = async (browser: Browser, url: string, token: string, screenshot?: string): Promise<Visit> => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  await context.addCookies([
    { name: "immich_access_token", value: token, url, httpOnly: true, sameSite: "Lax" },
    { name: "immich_is_authenticated", value: "true", url, sameSite: "Lax" }
  ])
  const page = await context.newPage()
  await page.addInitScript(() => {
    window.__longTasks = []
    new PerformanceObserver((list) => list.getEntries().forEach((e) => window.__longTasks.push(e.duration)))
      .observe({ type: "longtask", buffered: true })
  })
  await page.goto(url)
  const firstScreen = await (await page.waitForFunction(renderedAt, undefined, { polling: "raf", timeout: 30_000 }))
    .jsonValue() as number
  if (screenshot !== undefined) await page.screenshot({ path: screenshot })
  await page.evaluate(() => void (window.__longTasks = []))
  // A fling to the bottom: three screens further every frame, as a fast scroll-wheel or a dragged scrollbar.
  const reachedBottom = await page.evaluate(() =>
    new Promise<number>((done) => {
      const scroller = document.querySelector("[data-testid=timeline]")!
      const step = () => {
        const bottom = scroller.scrollHeight - scroller.clientHeight
        scroller.scrollTop = Math.min(bottom, scroller.scrollTop + 3 * scroller.clientHeight)
        if (scroller.scrollTop >= bottom - 1) done(performance.now())
        else requestAnimationFrame(step)
      }
      requestAnimationFrame(step)
    })
  )
  const lastMonthAt = await (await page.waitForFunction(renderedAt, undefined, { polling: "raf", timeout: 30_000 }))
    .jsonValue() as number
  const tasks = await page.evaluate(() => window.__longTasks)
  await context.close()
  return { firstScreen, lastMonth: lastMonthAt - reachedBottom, longestTask: Math.max(0, ...tasks) }
}
