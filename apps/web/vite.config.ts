import { svelte } from "@sveltejs/vite-plugin-svelte"
import { fileURLToPath } from "node:url"
import { defineConfig } from "vite"

/**
 * The page is served by the server under a Content-Security-Policy without 'unsafe-inline': nothing may be
 * inlined into index.html (no module-preload polyfill script), and CSS is emitted as files.
 * `npm run dev -w apps/web` proxies the API to a server on IMMICH_SERVER_URL (default: port 2283).
 */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [svelte()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: "es2022"
  },
  server: {
    proxy: { "/api": process.env["IMMICH_SERVER_URL"] ?? "http://127.0.0.1:2283" }
  }
})
