import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as Effect from "effect/Effect"
import { HttpServerRequest, Multipart } from "effect/http"
import * as Stream from "effect/Stream"
import { ServerConfig } from "../ServerConfig.ts"
import { BadRequest, BodyStalled, PayloadTooLarge } from "./ApiError.ts"

const KiB = 1024
const MiB = 1024 * KiB

/** Limits on the multipart form of an upload: the files stream to storage, everything else is held. */
export const FORM_LIMITS = {
  /** One text field (a date, a device id, a file name): 64 KiB is far more than any of them needs. */
  fieldBytes: 64 * KiB,
  /** All text fields of one upload together, used or not. */
  fieldsTotalBytes: 256 * KiB,
  /** Parts in one upload: Immich's clients send about ten. */
  parts: 100
} as const

/** A JSON body's limits: bytes read, and items in its one list. */
export interface JsonLimits {
  readonly bytes: number
  readonly items?: number
}

/** Per endpoint: a bulk-upload-check of 5,000 files with long paths fits; a 134 MB one does not. */
export const JSON_LIMITS = {
  bulkUploadCheck: { bytes: 5 * MiB, items: 5000 },
  deleteAssets: { bytes: 1 * MiB, items: 10_000 },
  deleteBackups: { bytes: 64 * KiB, items: 1000 },
  job: { bytes: 64 * KiB },
  account: { bytes: 64 * KiB }
} as const satisfies Record<string, JsonLimits>

/** `5 MiB`, `64 KiB`: limits as the messages state them. */
export const formatBytes = (bytes: number): string => {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`
  return bytes >= KiB && bytes % KiB === 0 ? `${bytes / KiB} KiB` : `${bytes} bytes`
}

/** The request body as it arrives. */
const bodyBytes = Effect.map(
  HttpServerRequest.HttpServerRequest,
  (request) => Stream.mapError(request.stream, () => new BadRequest({ reason: "The request body could not be read" }))
)

/**
 * Runs `receive` (which reads the request body), failing it with `BodyStalled` when the client sends
 * nothing for `IMMICH_UPLOAD_IDLE_TIMEOUT`; there is no limit on the total time. Only waiting for the
 * client counts: while the server is the slow side (a storage write), the body waits in Node's buffer
 * and the clock restarts. One check per interval, not a timer per chunk: timing each read of the
 * stream cost a third more CPU on a 512 MiB upload.
 */
export const whileReceiving = <A, E, R>(receive: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const { uploadIdleTimeoutMs } = yield* ServerConfig
    const source = NodeHttpServerRequest.toIncomingMessage(request)
    const socket = source.socket
    const interval = Math.max(50, Math.min(1000, uploadIdleTimeoutMs / 4))
    const watchdog = Effect.gen(function*() {
      let bytesSeen = socket.bytesRead
      let progressAt = Date.now()
      for (;;) {
        yield* Effect.sleep(interval)
        if (source.complete) return yield* Effect.never
        if (socket.bytesRead !== bytesSeen || source.readableLength > 0) {
          bytesSeen = socket.bytesRead
          progressAt = Date.now()
        } else if (Date.now() - progressAt >= uploadIdleTimeoutMs) {
          return yield* new BodyStalled({ seconds: uploadIdleTimeoutMs / 1000 })
        }
      }
    })
    return yield* Effect.raceFirst(receive, watchdog)
  })

/** A declared `Content-Length` above the limit is refused before a byte is read. */
const declaredTooLarge = (headers: Record<string, string | undefined>, limit: number) => {
  const declared = Number(headers["content-length"])
  return Number.isFinite(declared) && declared > limit
}

/**
 * The JSON body of a request to `what`, read up to `limits.bytes` (413 past it, the rest left unread)
 * and parsed (400 when it is not JSON).
 */
export const cappedJsonBody = (what: string, limits: JsonLimits) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const reason = `The body of ${what} is larger than ${formatBytes(limits.bytes)}, the limit`
    const tooLarge = new PayloadTooLarge({ reason })
    if (declaredTooLarge(request.headers, limits.bytes)) return yield* tooLarge
    const chunks: Array<Uint8Array> = []
    let size = 0
    yield* whileReceiving(Stream.runForEach(yield* bodyBytes, (chunk) => {
      size += chunk.length
      if (size > limits.bytes) return Effect.fail(tooLarge)
      chunks.push(chunk)
      return Effect.void
    }))
    const text = Buffer.concat(chunks).toString("utf8")
    return yield* Effect.try({
      try: (): unknown => (text === "" ? null : JSON.parse(text)),
      catch: () => new BadRequest({ reason: "The body must be JSON" })
    })
  })

/** 413 when a list in a JSON body holds more than `limits.items` entries. */
export const checkItems = (what: string, count: number, limits: JsonLimits) =>
  limits.items !== undefined && count > limits.items
    ? Effect.fail(
      new PayloadTooLarge({
        reason: `${what} takes at most ${limits.items.toLocaleString("en")} entries per request (got ${count}); ` +
          "send them in batches"
      })
    )
    : Effect.void

/** The parser's complaint (`MultipartParser.MultipartError`) in words that say what to fix. */
const parseProblem = (cause: unknown): string => {
  switch ((cause as { _tag?: string } | undefined)?._tag) {
    case "InvalidBoundary":
      return "its Content-Type has no boundary; send multipart/form-data; boundary=…"
    case "BadHeaders":
    case "InvalidDisposition":
      return "a part has malformed headers; each needs a Content-Disposition with a name (and a filename for files)"
    case "EndNotReached":
      return "it ended before its closing boundary"
    default:
      return "it is not multipart/form-data as its Content-Type says"
  }
}

/** What a multipart failure means for the client: a limit (413) or a body that is not a form (400). */
export const multipartFailure = (error: Multipart.MultipartError): BadRequest | PayloadTooLarge => {
  const { cause } = error.reason
  switch (error.reason._tag) {
    case "FieldTooLarge":
      return new PayloadTooLarge({
        reason: `A form field is larger than ${formatBytes(FORM_LIMITS.fieldBytes)}, the limit per field`
      })
    case "TooManyParts":
      return new PayloadTooLarge({ reason: `The form has more than ${FORM_LIMITS.parts} parts, the limit` })
    default:
      return new BadRequest({ reason: `The multipart body could not be read: ${parseProblem(cause)}` })
  }
}

/**
 * The parts of a `multipart/form-data` body, parsed as they arrive: files are streamed, and text fields
 * are held only up to `FORM_LIMITS`.
 */
export const multipartParts = Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
  request.multipartStream.pipe(
    Stream.provideContext(
      Multipart.limitsServices({ maxFieldSize: FORM_LIMITS.fieldBytes, maxParts: FORM_LIMITS.parts })
    ),
    Stream.mapError(multipartFailure)
  ))
