import * as NodeStream from "@effect/platform-node/NodeStream"
import { Presigner, StorageEngine } from "@immich-storage/core"
import * as Effect from "effect/Effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import * as Option from "effect/Option"
import { CACHE_CONTROL_PRIVATE, contentDisposition, ifNoneMatchHits } from "../http/headers.ts"
import { contentRange, parseRangeHeader } from "../http/rangeHeader.ts"

export interface StoredFileToServe {
  readonly key: string
  /** A strong ETag that changes whenever the bytes do (the original's SHA-1, a generated file's row). */
  readonly etag: string
  readonly fileName: string
  readonly contentType: string
}

/** Presigned redirects instead of proxying, when configured and the engine can sign. */
export interface PresignPolicy {
  readonly expirySeconds: number
}

/**
 * Answers a GET for a stored file: 304 when `If-None-Match` matches; a 302 to a presigned URL when asked
 * and the engine is S3; otherwise the bytes streamed from the engine, 206 for a single byte range (an
 * `If-Range` that does not match sends the whole file), 416 for a range outside the file.
 */
export const serveStored = (file: StoredFileToServe, presign: PresignPolicy | undefined) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const engine = yield* StorageEngine
    const disposition = contentDisposition(file.fileName)
    if (ifNoneMatchHits(request.headers["if-none-match"], file.etag)) {
      return HttpServerResponse.empty({
        status: 304,
        headers: { etag: file.etag, "cache-control": CACHE_CONTROL_PRIVATE }
      })
    }
    const presigner = presign === undefined ? Option.none() : yield* Effect.serviceOption(Presigner)
    if (presign !== undefined && Option.isSome(presigner)) {
      const url = yield* presigner.value.presignGet(file.key, {
        expiresInSeconds: presign.expirySeconds,
        contentDisposition: disposition,
        contentType: file.contentType,
        cacheControl: CACHE_CONTROL_PRIVATE
      })
      // The URL expires: the redirect itself must not be cached longer than it works.
      return HttpServerResponse.redirect(url, { status: 302, headers: { "cache-control": "no-store" } })
    }
    const ifRange = request.headers["if-range"]
    const range = ifRange === undefined || ifRange.trim() === file.etag
      ? parseRangeHeader(request.headers["range"])
      : undefined
    const body = yield* engine.get(file.key, range)
    // Handed to Node as a Readable, piped into the response: faster than writing the Effect stream chunk by
    // chunk (the README's server figures); a client that goes away destroys it, which ends the engine's read.
    const headers: Record<string, string> = {
      "content-disposition": disposition,
      "cache-control": CACHE_CONTROL_PRIVATE,
      etag: file.etag,
      "last-modified": body.info.lastModified.toUTCString(),
      "accept-ranges": "bytes"
    }
    if (body.range !== undefined) {
      headers["content-range"] = contentRange(body.range.start, body.range.end, body.info.size)
      return HttpServerResponse.raw(NodeStream.toReadableNever(body.stream), {
        status: 206,
        headers,
        contentType: file.contentType,
        contentLength: body.range.end - body.range.start + 1
      })
    }
    return HttpServerResponse.raw(NodeStream.toReadableNever(body.stream), {
      status: 200,
      headers,
      contentType: file.contentType,
      contentLength: body.info.size
    })
  })
