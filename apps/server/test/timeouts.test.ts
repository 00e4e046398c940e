import { randomBytes } from "node:crypto"
import * as net from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import { inject } from "vitest"
import { ADMIN_KEY, bytesOf, eventually, get, localStorage, manualUpload, s3Storage, startServerOn } from "./helpers.ts"
import type { ServerUnderTest, StorageUnderTest } from "./helpers.ts"

const MiB = 1024 * 1024
let storage: StorageUnderTest | undefined
let sut: ServerUnderTest | undefined

afterEach(async () => {
  await sut?.stop()
  await sut?.database.drop()
  sut = undefined
  await storage?.cleanUp()
  storage = undefined
})

/** Both limits far below what the uploads here take, so that only "no byte for a while" can end them. */
const LOW_LIMITS = { IMMICH_UPLOAD_IDLE_TIMEOUT: "1", IMMICH_HEADERS_TIMEOUT: "1" }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Resolves with `promise`, or rejects after `ms` saying what did not happen. */
const within = <A>(promise: Promise<A>, ms: number, what: string) =>
  Promise.race([promise, sleep(ms).then(() => Promise.reject(new Error(`${what} did not happen within ${ms} ms`)))])

describe("upload and header timeouts", () => {
  for (const engine of ["local", "s3"] as const) {
    it(`(${engine}) an upload that keeps sending has no time limit: 6 s of bytes, 1 s limits, intact`, async () => {
      storage = engine === "local" ? await localStorage() : await s3Storage(inject("s3Endpoint"))
      sut = await startServerOn(storage, LOW_LIMITS)
      const bytes = randomBytes(10 * MiB)
      const slow = manualUpload(sut.server.url, ADMIN_KEY, "trickled.mov")
      const pieces = 20
      for (let i = 0; i < pieces; i++) {
        slow.request.write(bytes.subarray((i * bytes.length) / pieces, ((i + 1) * bytes.length) / pieces))
        await sleep(300)
      }
      slow.end()
      const answer = await slow.answer
      expect(answer).not.toBe("reset")
      const { status, body } = answer as { status: number; body: string }
      expect(status, body).toBe(201)
      const { id } = JSON.parse(body) as { id: string }
      const stored = await bytesOf(await get(`${sut.server.url}/api/assets/${id}/original`, ADMIN_KEY))
      expect(stored.equals(bytes)).toBe(true)
    })

    it(`(${engine}) a stalled body ends after IMMICH_UPLOAD_IDLE_TIMEOUT: 408, no object, temp file, row`, async () => {
      storage = engine === "local" ? await localStorage() : await s3Storage(inject("s3Endpoint"))
      sut = await startServerOn(storage, LOW_LIMITS)
      const stalled = manualUpload(sut.server.url, ADMIN_KEY, "stalled.mov")
      // Enough for a multipart upload on S3 and a temp file on disk to be under way.
      for (let i = 0; i < 18; i++) stalled.request.write(randomBytes(MiB))
      await eventually(async () => ((await sut!.incompleteWrites()) > 0 ? true : undefined))
      const answer = await within(stalled.answer, 20_000, "the end of the stalled upload")
      stalled.request.destroy()
      expect(answer).not.toBe("reset")
      const { status, body } = answer as { status: number; body: string }
      expect(status).toBe(408)
      const message = "No data arrived for 1 s (IMMICH_UPLOAD_IDLE_TIMEOUT); nothing was stored"
      expect(JSON.parse(body)).toMatchObject({ message })
      await eventually(async () => ((await sut!.incompleteWrites()) === 0 ? true : undefined))
      expect(await sut.listKeys("upload")).toEqual([])
      expect(await sut.sql`select "id" from "asset"`).toEqual([])
    })
  }

  it("cuts a client that sends its headers slowly after IMMICH_HEADERS_TIMEOUT, though bytes keep coming", async () => {
    storage = await localStorage()
    sut = await startServerOn(storage, LOW_LIMITS)
    const { hostname, port } = new URL(sut.server.url)
    const socket = net.connect(Number(port), hostname)
    let received = ""
    socket.on("data", (d) => (received += d))
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()))
    socket.on("error", () => undefined)
    socket.write(`GET /api/server/ping HTTP/1.1\r\nHost: ${hostname}\r\nX-Slow: `)
    let open = true
    void closed.then(() => (open = false))
    // One header byte every 200 ms, for up to 10 s: far past the 1 s limit, far below Node's default 60 s.
    for (let i = 0; i < 50 && open; i++) {
      socket.write("a")
      await sleep(200)
    }
    expect(open, "the server still waits for the headers").toBe(false)
    expect(received).toMatch(/^HTTP\/1\.1 408/)
  })
})
