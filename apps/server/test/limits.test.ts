import { bulkCheckBody, processMemory, sendBulkCheck, sendFormFields } from "@immich-storage/testkit"
import type { Answer } from "@immich-storage/testkit"
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ADMIN_KEY, localStorage, startServerOn } from "./helpers.ts"
import type { ServerUnderTest, StorageUnderTest } from "./helpers.ts"

const MB = 1_000_000
let storage: StorageUnderTest
let sut: ServerUnderTest
let url: string

beforeAll(async () => {
  storage = await localStorage()
  sut = await startServerOn(storage)
  url = sut.server.url
})

afterAll(async () => {
  await sut.stop()
  await sut.database.drop()
  await storage.cleanUp()
})

const expectTooLarge = (answer: Answer, message: string) => {
  expect(answer).not.toBe("reset")
  const { status, body } = answer as { status: number; body: string }
  expect(status, body).toBe(413)
  expect(JSON.parse(body)).toEqual({ message, error: "Payload Too Large", statusCode: 413 })
}

const JSON_HEADERS = { "x-api-key": ADMIN_KEY, "content-type": "application/json" }
const postJson = (path: string, body: string) => fetch(`${url}${path}`, { method: "POST", headers: JSON_HEADERS, body })

describe("request limits", () => {
  it("an upload form's text field over 64 KiB is 413, stating the limit, before the rest is read", async () => {
    const answer = await sendFormFields(url, ADMIN_KEY, 60, 9 * MB)
    expectTooLarge(answer, "A form field is larger than 64 KiB, the limit per field")
  })

  it("text fields over 256 KiB together, or more than 100 parts, are 413", async () => {
    const answer = await sendFormFields(url, ADMIN_KEY, 10, 60 * 1024)
    expectTooLarge(answer, "The form's text fields together are larger than 256 KiB, the limit")
    expectTooLarge(await sendFormFields(url, ADMIN_KEY, 150, 10), "The form has more than 100 parts, the limit")
  })

  it("fields the server does not use are dropped, and the upload goes through", async () => {
    const form = new FormData()
    const fields = {
      fileCreatedAt: "2024-01-01T00:00:00Z",
      fileModifiedAt: "2024-01-01T00:00:00Z",
      duration: "0:00:00.000000",
      unknown: "x".repeat(60_000)
    }
    for (const [name, value] of Object.entries(fields)) form.append(name, value)
    form.append("assetData", new Blob([randomBytes(1000)]), "extra.jpg")
    const response = await fetch(`${url}/api/assets`, {
      method: "POST",
      headers: { "x-api-key": ADMIN_KEY },
      body: form
    })
    expect(response.status).toBe(201)
  })

  it("a bulk-upload-check over 5 MiB is 413, declared or not; over 5,000 assets too; 5,000 are answered", async () => {
    const message = "The body of bulk upload check is larger than 5 MiB, the limit"
    expectTooLarge(await sendBulkCheck(url, ADMIN_KEY, 134 * MB, true), message)
    expectTooLarge(await sendBulkCheck(url, ADMIN_KEY, 134 * MB), message)
    const tooMany = await postJson("/api/assets/bulk-upload-check", bulkCheckBody(5001))
    expectTooLarge(
      { status: tooMany.status, body: await tooMany.text() },
      "bulk-upload-check takes at most 5,000 entries per request (got 5001); send them in batches"
    )
    const allowed = await postJson("/api/assets/bulk-upload-check", bulkCheckBody(5000))
    expect(allowed.status).toBe(200)
    expect(((await allowed.json()) as { results: Array<unknown> }).results.length).toBe(5000)
  })

  it("other JSON endpoints have their own limits", async () => {
    const ids = JSON.stringify({ ids: Array.from({ length: 30_000 }, () => "00000000-0000-4000-8000-000000000000") })
    const response = await fetch(`${url}/api/assets`, { method: "DELETE", headers: JSON_HEADERS, body: ids })
    const answer = { status: response.status, body: await response.text() }
    expectTooLarge(answer, "The body of delete request is larger than 1 MiB, the limit")
    const job = await postJson("/api/jobs", JSON.stringify({ name: "x".repeat(100_000) }))
    expectTooLarge({ status: job.status, body: await job.text() }, "The body of job is larger than 64 KiB, the limit")
  })
})

describe("server memory under hostile requests", () => {
  it("stays bounded: 3 × 60 fields of 9 MB at once and a 134 MB bulk-upload-check add less than 150 MiB", async () => {
    const fresh = await startServerOn(storage)
    try {
      const pid = fresh.server.process.pid!
      await fetch(`${fresh.server.url}/api/users/me`, { headers: { "x-api-key": ADMIN_KEY } })
      const idle = await processMemory(pid)
      const answers = await Promise.all([
        ...[1, 2, 3].map(() => sendFormFields(fresh.server.url, ADMIN_KEY, 60, 9 * MB)),
        sendBulkCheck(fresh.server.url, ADMIN_KEY, 134 * MB)
      ])
      for (const answer of answers) expect(answer === "reset" ? answer : answer.status).toBe(413)
      const after = await processMemory(pid)
      // Before the limits, the same requests took the server to about 2 GB (issue 10).
      expect(after.peakMiB - idle.rssMiB).toBeLessThan(150)
    } finally {
      await fresh.stop()
      await fresh.database.drop()
    }
  })
})
