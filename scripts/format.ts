/**
 * The formatter: dprint's TypeScript plugin (WebAssembly, from npm) run through @dprint/formatter, with the
 * settings of `dprint.json`. Run in-process rather than by the dprint CLI, whose per-platform binaries npm
 * 11 leaves out of the lockfile (and `npm ci` then refuses it).
 * Usage: node scripts/format.ts [--check]   (--check: list files that are not formatted, exit 1 if any)
 */
import { createFromBuffer } from "@dprint/formatter"
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"

const ROOT = path.resolve(import.meta.dirname, "..")
const config = JSON.parse(readFileSync(path.join(ROOT, "dprint.json"), "utf8")) as {
  readonly lineWidth: number
  readonly indentWidth: number
  readonly typescript: Record<string, unknown>
  readonly roots: ReadonlyArray<string>
}
const plugin = readFileSync(path.join(ROOT, "node_modules/@dprint/typescript/plugin.wasm"))
const formatter = createFromBuffer(plugin)
formatter.setConfig(
  { lineWidth: config.lineWidth, indentWidth: config.indentWidth, newLineKind: "lf" },
  config.typescript
)
const problems = formatter.getConfigDiagnostics()
if (problems.length > 0)
  throw new Error(`dprint.json: ${problems.map((p) => `${p.propertyName}: ${p.message}`).join("; ")}`)

const files = config.roots.flatMap((root) =>
  readdirSync(path.join(ROOT, root), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts") && !file.split(path.sep).includes("node_modules"))
    .map((file) => path.join(root, file))
)
const check = process.argv.includes("--check")
const unformatted: Array<string> = []
for (const file of files) {
  const fileText = readFileSync(path.join(ROOT, file), "utf8")
  const formatted = formatter.formatText({ filePath: file, fileText })
  if (formatted === fileText) continue
  unformatted.push(file)
  if (!check) writeFileSync(path.join(ROOT, file), formatted)
}
if (check && unformatted.length > 0) {
  console.error(`Not formatted (run npm run format):\n${unformatted.map((f) => `  ${f}`).join("\n")}`)
  process.exit(1)
}
console.log(check ? `${files.length} files formatted` : `formatted ${unformatted.length} of ${files.length} files`)
