import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ADMIN_KEY, localStorage, startServerOn, upload } from "./helpers.ts"
import type { ServerUnderTest, StorageUnderTest } from "./helpers.ts"

let storage: StorageUnderTest
let sut: ServerUnderTest
let url: string
let assetId: string

beforeAll(async () => {
  storage = await localStorage()
  sut = await startServerOn(storage)
  url = sut.server.url
  assetId = (await upload(url, ADMIN_KEY, "kept.jpg", randomBytes(2000))).body.id
})

afterAll(async () => {
  await sut.stop()
  await sut.database.drop()
  await storage.cleanUp()
})

const BOUNDARY = "----hostile-input"
const VALID_FIELDS = {
  fileCreatedAt: "2024-01-01T00:00:00Z",
  fileModifiedAt: "2024-01-01T00:00:00Z",
  deviceAssetId: "a",
  deviceId: "d"
}

/** A multipart body written byte for byte (FormData would refuse or rewrite some of these values). */
const form = (fields: Record<string, string>, fileName = "photo.jpg") =>
  Buffer.concat([
    ...Object.entries({ ...VALID_FIELDS, ...fields }).map(([name, value]) =>
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
    ),
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="assetData"; filename="${fileName}"\r\n\r\n`),
    randomBytes(500),
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`)
  ])

const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`
const uploadForm = (fields: Record<string, string>, fileName?: string, contentType = MULTIPART) =>
  fetch(`${url}/api/assets`, {
    method: "POST",
    headers: { "x-api-key": ADMIN_KEY, "content-type": contentType },
    body: form(fields, fileName)
  })
const getPath = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, { headers: { "x-api-key": ADMIN_KEY, ...headers } })
const bulkCheck = (assets: unknown) => sendJson("POST", "/api/assets/bulk-upload-check", JSON.stringify({ assets }))
const sendJson = (method: string, path: string, body: string) =>
  fetch(`${url}${path}`, { method, headers: { "x-api-key": ADMIN_KEY, "content-type": "application/json" }, body })

interface HostileCase {
  readonly name: string
  readonly send: () => Promise<Response>
  /** A 400 whose message names this field, header or parameter; without it, any answer below 500. */
  readonly names?: string
}

const NUL = "\u0000"
const CASES: ReadonlyArray<HostileCase> = [
  // Form fields of an upload.
  { name: "NUL in filename", send: () => uploadForm({ filename: `a${NUL}b.jpg` }), names: "filename" },
  { name: "NUL in deviceAssetId", send: () => uploadForm({ deviceAssetId: `x${NUL}` }), names: "deviceAssetId" },
  { name: "NUL in deviceId", send: () => uploadForm({ deviceId: `${NUL}` }), names: "deviceId" },
  { name: "NUL in the file's own name", send: () => uploadForm({}, `a${NUL}.jpg`), names: "Content-Disposition" },
  {
    name: "fileCreatedAt in year 99999",
    send: () => uploadForm({ fileCreatedAt: "99999-01-01" }),
    names: "fileCreatedAt"
  },
  {
    name: "fileCreatedAt on a day that does not exist",
    send: () => uploadForm({ fileCreatedAt: "2020-02-30T12:00:00Z" }),
    names: "fileCreatedAt"
  },
  {
    name: "fileModifiedAt at JavaScript's last day",
    send: () => uploadForm({ fileModifiedAt: "+275760-09-13T00:00:00Z" }),
    names: "fileModifiedAt"
  },
  {
    name: "fileCreatedAt in year 0",
    send: () => uploadForm({ fileCreatedAt: "0000-01-01T00:00:00Z" }),
    names: "fileCreatedAt"
  },
  {
    name: "fileCreatedAt before year 0",
    send: () => uploadForm({ fileCreatedAt: "-000044-03-15T00:00:00Z" }),
    names: "fileCreatedAt"
  },
  { name: "fileCreatedAt not a date", send: () => uploadForm({ fileCreatedAt: "yesterday" }), names: "fileCreatedAt" },
  { name: "fileCreatedAt empty", send: () => uploadForm({ fileCreatedAt: "" }), names: "fileCreatedAt" },
  { name: "visibility unknown", send: () => uploadForm({ visibility: "public" }), names: "visibility" },
  { name: "visibility with NUL", send: () => uploadForm({ visibility: `timeline${NUL}` }), names: "visibility" },
  { name: "isFavorite not a boolean", send: () => uploadForm({ isFavorite: `maybe${NUL}` }) },
  { name: "a 10,000-character file name", send: () => uploadForm({ filename: `${"n".repeat(10_000)}.jpg` }) },
  // Headers.
  {
    name: "multipart without a boundary",
    send: () => uploadForm({}, undefined, "multipart/form-data"),
    names: "Content-Type"
  },
  {
    name: "multipart with an empty boundary",
    send: () => uploadForm({}, undefined, "multipart/form-data; boundary="),
    names: "Content-Type"
  },
  {
    name: "upload sent as JSON",
    send: () => uploadForm({}, undefined, "application/json"),
    names: "multipart/form-data"
  },
  {
    name: "x-api-key of 8 KiB",
    send: () => fetch(`${url}/api/users/me`, { headers: { "x-api-key": "k".repeat(8192) } })
  },
  {
    name: "x-api-key with Latin-1 bytes",
    send: () => fetch(`${url}/api/users/me`, { headers: { "x-api-key": "cl\u00e9-\u00ff".repeat(8) } })
  },
  {
    name: "Range past 2^64",
    send: () => getPath(`/api/assets/${assetId}/original`, { range: "bytes=99999999999999999999999-" })
  },
  { name: "Range backwards", send: () => getPath(`/api/assets/${assetId}/original`, { range: "bytes=5-1" }) },
  { name: "Range of another unit", send: () => getPath(`/api/assets/${assetId}/original`, { range: "lines=1-2" }) },
  {
    name: "If-None-Match a lone quote",
    send: () => getPath(`/api/assets/${assetId}/original`, { "if-none-match": "\"" })
  },
  {
    name: "If-Range garbage",
    send: () => getPath(`/api/assets/${assetId}/original`, { "if-range": "\u00ff", range: "bytes=0-1" })
  },
  // Ids in paths.
  { name: "id not a UUID", send: () => getPath("/api/assets/not-a-uuid"), names: "id" },
  { name: "id with NUL", send: () => getPath("/api/assets/%00"), names: "id" },
  { name: "id a UUID plus NUL", send: () => getPath(`/api/assets/${assetId}%00/original`), names: "id" },
  { name: "id with broken percent-encoding", send: () => getPath("/api/assets/%ZZ/original") },
  { name: "id of 1,000 characters", send: () => getPath(`/api/assets/${"f".repeat(1000)}/thumbnail`), names: "id" },
  // Past the router's parameter length: no route matches, which is a 404.
  { name: "id of 10,000 characters", send: () => getPath(`/api/assets/${"f".repeat(10_000)}/thumbnail`) },
  { name: "id a UUID nobody has", send: () => getPath("/api/assets/00000000-0000-4000-8000-000000000000") },
  { name: "id of undecodable bytes", send: () => getPath("/api/assets/%ff%fe") },
  { name: "an endpoint that does not exist", send: () => getPath("/api/no-such-thing") },
  // Query strings.
  { name: "size unknown", send: () => getPath(`/api/assets/${assetId}/thumbnail?size=huge`), names: "size" },
  {
    name: "size with broken percent-encoding",
    send: () => getPath(`/api/assets/${assetId}/thumbnail?size=%ZZ`),
    names: "size"
  },
  { name: "size with NUL", send: () => getPath(`/api/assets/${assetId}/thumbnail?size=%00`), names: "size" },
  { name: "size twice", send: () => getPath(`/api/assets/${assetId}/thumbnail?size=thumbnail&size=%00`) },
  { name: "a query of percent signs", send: () => getPath("/api/users/me?%%%=%") },
  {
    name: "timeBucket with NUL",
    send: () => getPath("/api/timeline/bucket?timeBucket=2024-05-01%00"),
    names: "timeBucket"
  },
  { name: "timeBucket SQL", send: () => getPath("/api/timeline/bucket?timeBucket=2024-05-01'--"), names: "timeBucket" },
  {
    name: "timeBucket of 10,000 characters",
    send: () => getPath(`/api/timeline/bucket?timeBucket=${"9".repeat(10_000)}`)
  },
  { name: "timeBucket twice", send: () => getPath("/api/timeline/bucket?timeBucket=2024-05-01&timeBucket=2024-06-01") },
  {
    name: "visibility with NUL",
    send: () => getPath("/api/timeline/buckets?visibility=timeline%00"),
    names: "visibility"
  },
  { name: "order unknown", send: () => getPath("/api/timeline/buckets?order=sideways"), names: "order" },
  {
    name: "isFavorite not a boolean",
    send: () => getPath("/api/timeline/buckets?isFavorite=%00"),
    names: "isFavorite"
  },
  // JSON bodies.
  {
    name: "checksum with NUL",
    send: () => bulkCheck([{ id: "a", checksum: NUL }]),
    names: "checksum"
  },
  {
    name: "assets not a list",
    send: () => sendJson("POST", "/api/assets/bulk-upload-check", `{"assets": "all"}`),
    names: "assets"
  },
  {
    name: "bulk check id with NUL",
    send: () => bulkCheck([{ id: NUL, checksum: "ab".repeat(20) }])
  },
  {
    name: "bulk check not JSON",
    send: () => sendJson("POST", "/api/assets/bulk-upload-check", "{assets"),
    names: "JSON"
  },
  {
    name: "delete ids with NUL",
    send: () => sendJson("DELETE", "/api/assets", JSON.stringify({ ids: [NUL] })),
    names: "ids"
  },
  { name: "delete ids of numbers", send: () => sendJson("DELETE", "/api/assets", `{"ids": [1, 2]}`), names: "ids" },
  { name: "job name with NUL", send: () => sendJson("POST", "/api/jobs", JSON.stringify({ name: NUL })), names: "job" },
  {
    name: "backup name with NUL",
    send: () => sendJson("DELETE", "/api/admin/database-backups", JSON.stringify({ backups: [`a${NUL}.sql.gz`] })),
    names: "backup"
  }
]

describe("hostile inputs", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s: never a 5xx; a 400 names what was wrong", async (_, hostile) => {
    const response = await hostile.send()
    const text = await response.text()
    expect(response.status, text).toBeLessThan(500)
    // Every refusal is JSON with a message, as Immich's clients expect, never an empty or HTML body.
    if (response.status >= 400) expect(typeof (JSON.parse(text) as { message: unknown }).message).toBe("string")
    if (hostile.names !== undefined) {
      expect(response.status, text).toBe(400)
      expect((JSON.parse(text) as { message: string }).message).toContain(hostile.names)
    }
  })

  it("stored nothing from any of them, and the server still answers", async () => {
    const rows = await sut.sql<Array<{ name: string }>>`select "originalFileName" as name from "asset" order by name`
    expect(rows.every((r) => !r.name.includes(NUL))).toBe(true)
    expect((await getPath("/api/server/ping")).status).toBe(200)
    expect(sut.server.output()).not.toContain("Unexpected failure")
  })
})
