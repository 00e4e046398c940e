import * as Effect from "effect/Effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { ifNoneMatchHits } from "../http/headers.ts"
import { loadWebFiles } from "./webFiles.ts"
import type { WebFile } from "./webFiles.ts"

/**
 * The page may load only its own scripts and styles (no inline script, no eval), images from the API, blobs
 * and data: URLs (thumbhash placeholders), media from the API, and talk only to this server.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'"
].join("; ")

const SECURITY_HEADERS = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin"
}

const NOT_FOUND = HttpServerResponse.jsonUnsafe(
  { message: "No such endpoint", error: "Not Found", statusCode: 404 },
  { status: 404 }
)

const NOT_BUILT = HttpServerResponse.text(
  "The web page is not built. `npm start` builds it; or run `npm run build -w apps/web`, then reload.\n",
  { status: 503, headers: { ...SECURITY_HEADERS, "cache-control": "no-store" } }
)

/** The built files, read once; a missing build is looked for again on the next request (it may be under way). */
let loaded: ReadonlyMap<string, WebFile> | undefined
const webFiles = Effect.promise(async () => (loaded ??= await loadWebFiles()))

const answer = (file: WebFile, ifNoneMatch: string | undefined) => {
  const headers = { ...SECURITY_HEADERS, "cache-control": file.cacheControl, etag: file.etag }
  return ifNoneMatchHits(ifNoneMatch, file.etag)
    ? HttpServerResponse.empty({ status: 304, headers })
    : HttpServerResponse.uint8Array(file.body, { contentType: file.contentType, headers })
}

/**
 * `GET` of any path no API route takes: a file of the page, or index.html for the page's own paths (a
 * reload on `/photos`), so the page routes itself. Unknown `/api/…` paths stay JSON 404s, and so do
 * missing hashed assets (a stale tab asking for an old build's file gets a 404, not HTML).
 */
const servePage = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const pathname = decodeURIComponentSafe(new URL(request.url, "http://page").pathname)
  if (pathname === undefined || pathname === "/api" || pathname.startsWith("/api/")) return NOT_FOUND
  const files = yield* webFiles
  if (files === undefined) return NOT_BUILT
  const file = files.get(pathname) ?? (pathname.startsWith("/assets/") ? undefined : files.get("/index.html"))
  return file === undefined ? NOT_FOUND : answer(file, request.headers["if-none-match"])
})

const decodeURIComponentSafe = (value: string): string | undefined => {
  try {
    return decodeURIComponent(value)
  } catch {
    return undefined
  }
}

export const webRoutes = HttpRouter.add("GET", "/*", servePage)
