import * as fs from "node:fs/promises"
import * as http from "node:http"

const MiB = 1024 * 1024

export type Answer = { readonly status: number; readonly body: string } | "reset"

/** Waits until `request` takes more bytes, or is gone; leaves no listener behind. */
const drainedOrClosed = (request: http.ClientRequest) =>
  new Promise<void>((resolve) => {
    const done = () => {
      request.off("drain", done).off("close", done)
      resolve()
    }
    request.on("drain", done).on("close", done)
  })

/**
 * Sends a request whose body is produced piece by piece (never held whole by the client), with
 * backpressure, and stops sending as soon as the answer arrives: what a client that reads the answer
 * early does. Without `contentLength` the body is chunked.
 */
export const streamRequest = (
  url: string,
  init: { readonly method: string; readonly headers: Record<string, string>; readonly contentLength?: number },
  body: () => Iterable<Uint8Array>
): Promise<Answer> =>
  new Promise((resolve) => {
    let answered = false
    const length = init.contentLength
    const headers = length === undefined ? init.headers : { ...init.headers, "content-length": String(length) }
    const request = http.request(url, { method: init.method, headers })
    request.on("response", (response) => {
      answered = true
      let text = ""
      response.on("data", (d) => (text += d))
      response.on("end", () => {
        resolve({ status: response.statusCode ?? 0, body: text })
        request.destroy()
      })
      response.on("error", () => resolve("reset"))
    })
    request.on("error", () => {
      if (!answered) resolve("reset")
    })
    void (async () => {
      try {
        for (const piece of body()) {
          if (answered || request.destroyed) return
          if (!request.write(piece)) await drainedOrClosed(request)
        }
        if (!answered && !request.destroyed) request.end()
      } catch {
        // The server closed the connection: the answer (or "reset") settles the promise.
      }
    })()
  })

/** A value of `bytes` letters, in 1 MiB pieces. */
function* letters(bytes: number): Iterable<Uint8Array> {
  const block = Buffer.alloc(Math.min(MiB, bytes), "a")
  for (let sent = 0; sent < bytes; sent += block.length) yield block.subarray(0, Math.min(block.length, bytes - sent))
}

/** `POST /api/assets` with `count` text fields of `bytesEach` bytes, named field0…, that the server does not use. */
export const sendFormFields = (baseUrl: string, apiKey: string, count: number, bytesEach: number): Promise<Answer> => {
  const boundary = "----hostile"
  return streamRequest(`${baseUrl}/api/assets`, {
    method: "POST",
    headers: { "x-api-key": apiKey, "content-type": `multipart/form-data; boundary=${boundary}` }
  }, function*() {
    for (let i = 0; i < count; i++) {
      yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="field${i}"\r\n\r\n`)
      yield* letters(bytesEach)
      yield Buffer.from("\r\n")
    }
    yield Buffer.from(`--${boundary}--\r\n`)
  })
}

/** One bulk-upload-check entry as the immich CLI sends it (the id is the file's path). */
const checkEntry = (i: number) =>
  JSON.stringify({ id: `/home/user/Pictures/2024/IMG_${String(i).padStart(8, "0")}.jpg`, checksum: "ab".repeat(20) })

/** `POST /api/assets/bulk-upload-check` with about `bytes` of JSON (chunked, or with its length declared). */
export const sendBulkCheck = (
  baseUrl: string,
  apiKey: string,
  bytes: number,
  declareLength = false
): Promise<Answer> => {
  const entry = checkEntry(0) + ","
  const perBlock = Math.max(1, Math.floor(MiB / entry.length))
  const block = Buffer.from(entry.repeat(perBlock))
  const blocks = Math.max(1, Math.floor(bytes / block.length))
  const head = Buffer.from(`{"assets":[`)
  const tail = Buffer.from(`${checkEntry(1)}]}`)
  return streamRequest(`${baseUrl}/api/assets/bulk-upload-check`, {
    method: "POST",
    headers: { "x-api-key": apiKey, "content-type": "application/json" },
    ...(declareLength ? { contentLength: head.length + blocks * block.length + tail.length } : {})
  }, function*() {
    yield head
    for (let i = 0; i < blocks; i++) yield block
    yield tail
  })
}

/** A bulk-upload-check body with `count` entries (small enough to pass the byte limit). */
export const bulkCheckBody = (count: number): string =>
  `{"assets":[${Array.from({ length: count }, (_, i) => checkEntry(i)).join(",")}]}`

/** Resident memory of a process, now and at its peak (VmHWM), in MiB, from /proc. */
export const processMemory = async (pid: number): Promise<{ readonly rssMiB: number; readonly peakMiB: number }> => {
  const status = await fs.readFile(`/proc/${pid}/status`, "utf8")
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN)
  return { rssMiB: kib("VmRSS") / 1024, peakMiB: kib("VmHWM") / 1024 }
}
