/**
 * The web gallery on a timeline of 10,000 assets (generated rows and small thumbnails, 120 months) on a real
 * server (local engine), in headless Chromium:
 *   1. the API's own timings: GET /api/timeline/buckets and the first month's GET /api/timeline/bucket;
 *   2. from navigation to the first screen of decoded thumbnails (target: < 1 s), beside those timings;
 *   3. a fling from the top to the last month: the longest long task (target: < 200 ms), and how long the
 *      last month's thumbnails take once the bottom is reached.
 * Each browser visit starts with a cold cache. Usage: npm run bench:web [-- <assets> <visits>] (10000, 3)
 */
import { createTestDatabase, makeTempDir, requirePostgres, startServer, TEST_POSTGRES } from "@immich-storage/testkit"
import * as path from "node:path"
import postgres from "postgres"
import { ARTIFACTS, launchChromium } from "../../apps/server/test/browser.ts"
import { formatTable, median } from "../shared/measure.ts"
import { visit } from "./browse.ts"
import type { Visit } from "./browse.ts"
import { generateLibrary } from "./library.ts"

const assets = Number(process.argv[2] ?? 10_000)
const visits = Number(process.argv[3] ?? 3)
const MONTHS = 120
const EMAIL = "bench@example.com"
const PASSWORD = "bench password 123"

await requirePostgres(TEST_POSTGRES)
const dir = await makeTempDir("bench-web")
const media = path.join(dir.path, "media")
const database = await createTestDatabase()
const server = await startServer({
  IMMICH_MEDIA_LOCATION: media,
  DB_DATABASE_NAME: database.name,
  DB_BACKUP_ENABLED: "false"
})
const sql = postgres({ ...TEST_POSTGRES, database: database.name, max: 1, onnotice: () => undefined })
const browser = await launchChromium()

const post = async (route: string, body: unknown) => {
  const response = await fetch(`${server.url}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body)
  })
  if (!response.ok) throw new Error(`${route} answered ${response.status}: ${await response.text()}`)
  return response.json() as Promise<Record<string, unknown>>
}

/** Milliseconds of one authenticated GET, its body read to the end. */
const timedGet = async (route: string, token: string): Promise<number> => {
  const started = performance.now()
  const response = await fetch(`${server.url}${route}`, { headers: { authorization: `Bearer ${token}` } })
  await response.arrayBuffer()
  if (!response.ok) throw new Error(`${route} answered ${response.status}`)
  return performance.now() - started
}

try {
  const admin = await post("/api/auth/admin-sign-up", { email: EMAIL, name: "Bench", password: PASSWORD })
  const { accessToken } = await post("/api/auth/login", { email: EMAIL, password: PASSWORD }) as { accessToken: string }
  const made = await generateLibrary(sql, media, String(admin["id"]), assets, MONTHS)
  const buckets = await (await fetch(`${server.url}/api/timeline/buckets`, {
    headers: { authorization: `Bearer ${accessToken}` }
  })).json() as Array<{ timeBucket: string; count: number }>
  const newest = `/api/timeline/bucket?timeBucket=${encodeURIComponent(buckets[0]!.timeBucket)}`
  const apiBuckets: Array<number> = []
  const apiBucket: Array<number> = []
  for (let i = 0; i < 10; i++) {
    apiBuckets.push(await timedGet("/api/timeline/buckets", accessToken))
    apiBucket.push(await timedGet(newest, accessToken))
  }
  const measured: Array<Visit> = []
  for (let i = 0; i < visits; i++) {
    const screenshot = i === 0 ? path.join(ARTIFACTS, "bench-first-screen.png") : undefined
    measured.push(await visit(browser, server.url, accessToken, screenshot))
  }

  const ms = (value: number) => `${value.toFixed(0)} ms`
  const api = median(apiBuckets) + median(apiBucket)
  const first = median(measured.map((v) => v.firstScreen))
  const longest = Math.max(...measured.map((v) => v.longestTask))
  console.log(
    `\nWeb gallery: ${made} assets in ${buckets.length} months; ${visits} cold visits (medians), Chromium headless\n`
  )
  console.log(formatTable(["measure", "value", "beside", "ratio", "target"], [
    ["API: GET /api/timeline/buckets", ms(median(apiBuckets)), "", "", ""],
    ["API: GET /api/timeline/bucket (newest month)", ms(median(apiBucket)), "", "", ""],
    [
      "page: navigation → first screen of thumbnails",
      ms(first),
      `API ${ms(api)}`,
      `${(first / api).toFixed(1)}x`,
      "< 1000 ms"
    ],
    ["page: fling to the last month, longest long task", ms(longest), "", "", "< 200 ms"],
    ["page: bottom reached → last month's thumbnails", ms(median(measured.map((v) => v.lastMonth))), "", "", ""]
  ]))
  console.log(
    `\nfirst screen ${first < 1000 ? "within" : "OVER"} target; longest task ${
      longest < 200 ? "within" : "OVER"
    } target`
  )
} finally {
  await browser.close()
  await server.stop()
  await sql.end()
  await database.drop()
  await dir.remove()
}
