import { createHash } from "node:crypto"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** Where `vite build` puts the page (apps/web/dist), beside this app in the repository. */
export const WEB_DIST = fileURLToPath(new URL("../../../web/dist", import.meta.url))

/** One built file, held in memory: the page is small (tens of KiB), and answers cost no disk read. */
export interface WebFile {
  readonly body: Uint8Array
  readonly contentType: string
  readonly cacheControl: string
  readonly etag: string
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm"
}

/**
 * Vite names what it emits under assets/ by content hash: such a file never changes, so browsers keep it a
 * year. Everything else (index.html) is revalidated on every load, so a new build is seen at once.
 */
export const cacheControlOf = (relativePath: string): string =>
  relativePath.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache"

export const contentTypeOf = (relativePath: string): string =>
  CONTENT_TYPES[path.extname(relativePath).toLowerCase()] ?? "application/octet-stream"

/** Every file of the built page by its URL path (`/index.html`, `/assets/index-ab12.js`); undefined if not built. */
export const loadWebFiles = async (root: string = WEB_DIST): Promise<ReadonlyMap<string, WebFile> | undefined> => {
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true }).catch(() => undefined)
  if (entries === undefined) return undefined
  const files = new Map<string, WebFile>()
  for (const entry of entries.filter((e) => e.isFile())) {
    const absolute = path.join(entry.parentPath, entry.name)
    const relative = path.relative(root, absolute).split(path.sep).join("/")
    const body = new Uint8Array(await fs.readFile(absolute))
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`
    const contentType = contentTypeOf(relative)
    files.set(`/${relative}`, { body, contentType, cacheControl: cacheControlOf(relative), etag })
  }
  return files.has("/index.html") ? files : undefined
}
