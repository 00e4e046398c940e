/**
 * The server app, ours beside the S3 server it proxies, in one run:
 *   1. a 64 MiB original downloaded through the server (S3 engine, proxied) vs a direct GET of the same
 *      object from the same S3 server, same HTTP client (target: >= 0.8x); beside them the simplest proxy
 *      (the SDK's GetObject piped by Node's http server) and the server's presigned redirect;
 *   2. 50 concurrent small downloads (60 KiB originals), latency p50/p99, through the server vs direct;
 *   3. the server's peak RSS while it takes a 1 GiB upload, streamed by the client (target: < 200 MiB);
 *   4. its peak RSS under the hostile requests of issue 10 (huge form fields, a huge bulk-upload-check),
 *      beside its idle RSS (target: < 1.5x idle).
 * The S3 server runs in its own process; the server is the real app (`apps/server/src/main.ts`).
 * Usage: npm run bench:server [-- <download runs> <rounds of 50>]   (default: 5 runs, 20 rounds)
 * BENCH_SERVER_ENV='{"NODE_OPTIONS":"--max-semi-space-size=1"}' adds variables to both servers' environment
 * (to try allocator and GC settings; see the README).
 */
import { createTestDatabase, requirePostgres, s3TestEnv, startServer, TEST_POSTGRES } from "@immich-storage/testkit"
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { once } from "node:events"
import * as fs from "node:fs/promises"
import * as http from "node:http"
import * as path from "node:path"
import postgres from "postgres"
import { BENCH_ROOT, formatTable, median } from "../shared/measure.ts"
import { startS3ServerChild } from "../shared/s3ServerChild.ts"
import { measureHostile } from "./hostile.ts"

const downloadRuns = Number(process.argv[2] ?? 5)
const rounds = Number(process.argv[3] ?? 20)
const MiB = 1024 * 1024
const KEY = "bench-admin-key-0123456789abcdefgh"
const BUCKET = "bench-server"

await requirePostgres(TEST_POSTGRES)

const s3Process = await startS3ServerChild(BUCKET)
const { endpoint } = s3Process
const database = await createTestDatabase()
const serverEnv = JSON.parse(process.env["BENCH_SERVER_ENV"] ?? "{}") as Record<string, string>
/** Our server on the S3 engine, on the same bucket and database as every other one here. */
const startOurServer = (extra: Record<string, string> = {}) =>
  startServer({
    IMMICH_STORAGE_ENGINE: "s3",
    ...s3TestEnv(endpoint, BUCKET, "immich"),
    DB_DATABASE_NAME: database.name,
    IMMICH_ADMIN_API_KEY: KEY,
    DB_BACKUP_ENABLED: "false",
    ...extra,
    ...serverEnv
  })
const server = await startOurServer()
const stopLater: Array<() => Promise<unknown>> = []
const sql = postgres({ ...TEST_POSTGRES, database: database.name, max: 1, onnotice: () => undefined })
// The same database and bucket, answering downloads with presigned redirects.
const presigning = await startOurServer({ IMMICH_S3_PRESIGNED_DOWNLOADS: "true" })
const bare = spawn(process.execPath, [path.join(BENCH_ROOT, "server/bareProxy.ts"), endpoint, BUCKET], {
  stdio: ["ignore", "pipe", "inherit"]
})
const [bareLine] = await once(bare.stdout, "data") as [Buffer]
const barePort = Number(bareLine.toString().trim())

/** Reads a response to the end without keeping it; returns the byte count. */
const drain = async (response: Response): Promise<number> => {
  let bytes = 0
  for await (const chunk of response.body!) bytes += (chunk as Uint8Array).length
  return bytes
}

const uploadBytes = async (name: string, bytes: Uint8Array) => {
  const form = new FormData()
  form.append("fileCreatedAt", "2024-01-01T00:00:00Z")
  form.append("fileModifiedAt", "2024-01-01T00:00:00Z")
  form.append("assetData", new Blob([bytes]), name)
  const response = await fetch(`${server.url}/api/assets`, {
    method: "POST",
    headers: { "x-api-key": KEY },
    body: form
  })
  if (response.status !== 201) throw new Error(`upload failed: ${response.status} ${await response.text()}`)
  return ((await response.json()) as { id: string }).id
}

/** Where the object of an asset lives on the S3 server, for the direct GET. */
const directUrl = async (id: string) => {
  const [row] = await sql<Array<{ originalPath: string }>>`select "originalPath" from "asset" where "id" = ${id}`
  return `${endpoint}/${row!.originalPath.slice("s3://".length)}`
}

const vmValue = async (pid: number, field: "VmRSS" | "VmHWM") => {
  const status = await fs.readFile(`/proc/${pid}/status`, "utf8")
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]) / 1024
}

try {
  // 1. One large original.
  const largeId = await uploadBytes("large.mp4", randomBytes(64 * MiB))
  const largeDirect = await directUrl(largeId)
  const largeBare = `http://127.0.0.1:${barePort}/${largeDirect.slice(endpoint.length + BUCKET.length + 2)}`
  const throughput: Record<"ours" | "direct" | "bare" | "presigned", Array<number>> = {
    ours: [],
    direct: [],
    bare: [],
    presigned: []
  }
  const fetchers = {
    ours: () => fetch(`${server.url}/api/assets/${largeId}/original`, { headers: { "x-api-key": KEY } }),
    direct: () => fetch(largeDirect),
    bare: () => fetch(largeBare),
    presigned: () => fetch(`${presigning.url}/api/assets/${largeId}/original`, { headers: { "x-api-key": KEY } })
  }
  const order = ["ours", "direct", "bare", "presigned"] as const
  for (let i = 0; i < downloadRuns; i++) {
    // Rotate who goes first so that nobody always meets a warm or a cold server.
    for (const who of [...order.slice(i % 4), ...order.slice(0, i % 4)]) {
      const started = performance.now()
      const response = await fetchers[who]()
      const bytes = await drain(response)
      if (bytes !== 64 * MiB) throw new Error(`${who}: got ${bytes} bytes`)
      throughput[who].push(64 / ((performance.now() - started) / 1000))
    }
  }

  // 2. Many small originals at once.
  const smallIds = await Promise.all(
    Array.from({ length: 50 }, (_, i) => uploadBytes(`small-${i}.mp4`, randomBytes(60 * 1024)))
  )
  const smallDirect = await Promise.all(smallIds.map(directUrl))
  const smallBare = smallDirect.map((url) =>
    `http://127.0.0.1:${barePort}/${url.slice(endpoint.length + BUCKET.length + 2)}`
  )
  const latencies: Record<"ours" | "direct" | "bare", Array<number>> = { ours: [], direct: [], bare: [] }
  const timed = async (url: string, headers: Record<string, string>) => {
    const started = performance.now()
    await drain(await fetch(url, { headers }))
    return performance.now() - started
  }
  for (let round = 0; round < rounds; round++) {
    const smallOrder = ["ours", "direct", "bare"] as const
    for (const who of [...smallOrder.slice(round % 3), ...smallOrder.slice(0, round % 3)]) {
      const times = await Promise.all(
        who === "ours"
          ? smallIds.map((id) => timed(`${server.url}/api/assets/${id}/original`, { "x-api-key": KEY }))
          : (who === "direct" ? smallDirect : smallBare).map((url) => timed(url, {}))
      )
      latencies[who].push(...times)
    }
  }
  const percentile = (values: ReadonlyArray<number>, p: number) =>
    [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!

  // 3. A 1 GiB upload streamed from here (the client never holds it) into a freshly started server (the
  //    same database and bucket), so that its peak is the upload's and not what earlier cases left.
  const idleAfterDownloads = await vmValue(server.process.pid!, "VmRSS")
  const uploader = await startOurServer()
  stopLater.push(() => uploader.stop())
  const pid = uploader.process.pid!
  const rssBefore = await vmValue(pid, "VmRSS")
  let peakRss = rssBefore
  const sampler = setInterval(
    () => void vmValue(pid, "VmRSS").then((v) => (peakRss = Math.max(peakRss, v)), () => undefined),
    25
  )
  const boundary = "----bench"
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="fileCreatedAt"\r\n\r\n2024-01-01T00:00:00Z\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="fileModifiedAt"\r\n\r\n2024-01-01T00:00:00Z\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="assetData"; filename="huge.mp4"\r\n\r\n`
  )
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
  const block = randomBytes(MiB)
  const uploadStarted = performance.now()
  const status = await new Promise<number>((resolve, reject) => {
    const request = http.request(`${uploader.url}/api/assets`, {
      method: "POST",
      headers: {
        "x-api-key": KEY,
        "content-type": `multipart/form-data; boundary=${boundary}`,
        "content-length": String(head.length + 1024 * MiB + tail.length)
      }
    }, (response) => {
      response.resume()
      response.on("end", () => resolve(response.statusCode ?? 0))
    })
    request.on("error", reject)
    void (async () => {
      request.write(head)
      for (let i = 0; i < 1024; i++) {
        // A different block each MiB would cost the client CPU; flipping one byte keeps parts distinct.
        block[0] = i & 0xff
        if (!request.write(Buffer.from(block))) await once(request, "drain")
      }
      request.end(tail)
    })()
  })
  const uploadSeconds = (performance.now() - uploadStarted) / 1000
  clearInterval(sampler)
  if (status !== 201) throw new Error(`1 GiB upload answered ${status}`)

  // 4. Hostile requests, each against a fresh server.
  const hostile = await measureHostile(() => startOurServer(), KEY)

  const ours = median(throughput.ours)
  const direct = median(throughput.direct)
  const withEnv = Object.keys(serverEnv).length > 0 ? `, server env ${JSON.stringify(serverEnv)}` : ""
  console.log(
    "\nServer benchmark: S3 engine on a local S3 server (own process), " +
      `${downloadRuns} runs of 64 MiB, ${rounds} rounds of 50 downloads${withEnv}\n`
  )
  console.log(formatTable(
    ["case", "through the server", "direct from S3", "ratio", "target"],
    [
      [
        "64 MiB original, median throughput",
        `${ours.toFixed(0)} MiB/s`,
        `${direct.toFixed(0)} MiB/s`,
        `${(ours / direct).toFixed(2)}x`,
        ">= 0.80x"
      ],
      [
        "  bare Node proxy (SDK GetObject piped)",
        `${median(throughput.bare).toFixed(0)} MiB/s`,
        `${direct.toFixed(0)} MiB/s`,
        `${(median(throughput.bare) / direct).toFixed(2)}x`,
        ""
      ],
      [
        "  ours with presigned redirects",
        `${median(throughput.presigned).toFixed(0)} MiB/s`,
        `${direct.toFixed(0)} MiB/s`,
        `${(median(throughput.presigned) / direct).toFixed(2)}x`,
        ">= 0.80x"
      ],
      [
        "50 concurrent 60 KiB, p50 latency",
        `${percentile(latencies.ours, 0.5).toFixed(1)} ms`,
        `${percentile(latencies.direct, 0.5).toFixed(1)} ms`,
        `${(percentile(latencies.direct, 0.5) / percentile(latencies.ours, 0.5)).toFixed(2)}x`,
        ""
      ],
      [
        "50 concurrent 60 KiB, p99 latency",
        `${percentile(latencies.ours, 0.99).toFixed(1)} ms`,
        `${percentile(latencies.direct, 0.99).toFixed(1)} ms`,
        `${(percentile(latencies.direct, 0.99) / percentile(latencies.ours, 0.99)).toFixed(2)}x`,
        ""
      ],
      [
        "  bare Node proxy, p50 / p99",
        `${percentile(latencies.bare, 0.5).toFixed(1)} / ${percentile(latencies.bare, 0.99).toFixed(1)} ms`,
        "",
        "",
        ""
      ],
      [
        "1 GiB upload, server peak RSS",
        `${peakRss.toFixed(0)} MiB (${rssBefore.toFixed(0)} MiB after boot)`,
        "",
        "",
        "< 200 MiB"
      ],
      ["  server RSS after the download cases", `${idleAfterDownloads.toFixed(0)} MiB`, "", "", ""],
      ["1 GiB upload, throughput", `${(1024 / uploadSeconds).toFixed(0)} MiB/s`, "", "", ""]
    ]
  ))
  console.log("\nPeak RSS under hostile requests (each case on a freshly started server; VmHWM from /proc):\n")
  console.log(formatTable(
    ["request", "answers", "idle RSS", "peak RSS", "peak / idle", "target"],
    hostile.map((h) => {
      const ratio = `${(h.peakMiB / h.idleMiB).toFixed(2)}x`
      return [h.name, h.statuses, `${h.idleMiB.toFixed(0)} MiB`, `${h.peakMiB.toFixed(0)} MiB`, ratio, "< 1.50x"]
    })
  ))
  console.log("\nLatency ratios are direct/ours (1.00x = as fast as S3 itself). RSS sampled every 25 ms from /proc.")
} finally {
  await sql.end()
  await server.stop()
  await presigning.stop()
  for (const stop of stopLater) await stop()
  bare.kill("SIGTERM")
  s3Process.stop()
  await database.drop()
}
