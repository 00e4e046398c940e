import { readdirSync, readFileSync } from "node:fs"
import * as path from "node:path"
import { parseAst } from "rolldown/parseAst"
import { describe, expect, it } from "vitest"

/** The repository's own source (not tests, not benchmarks): where the shape rules hold. */
const ROOT = path.resolve(import.meta.dirname, "../../..")
const sourceFiles = (...dirs: ReadonlyArray<string>) =>
  dirs.flatMap((dir) =>
    readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts"))
      .map((f) => path.join(dir, f))
  )
const workspaces = (parent: string) =>
  readdirSync(path.join(ROOT, parent)).map((name) => path.join(parent, name, "src"))
const packageSources = sourceFiles(...workspaces("packages"))
const appSources = sourceFiles(...workspaces("apps"))
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8")

const MAX_FILE_LINES = 250
const MAX_FUNCTION_LINES = 80
const MAX_LINE_WIDTH = 120
const FUNCTION_NODES = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"])

/** Every function in a file with its first line and length in lines. */
const functionsOf = (file: string) => {
  const text = read(file)
  const lineAt = (offset: number) => text.slice(0, offset).split("\n").length
  const found: Array<{ line: number; lines: number }> = []
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== "object") return
    if (Array.isArray(node)) return node.forEach(visit)
    const n = node as { type?: string; start?: number; end?: number }
    if (n.type !== undefined && FUNCTION_NODES.has(n.type)) {
      const line = lineAt(n.start!)
      found.push({ line, lines: lineAt(n.end!) - line + 1 })
    }
    for (const value of Object.values(node)) if (typeof value === "object") visit(value)
  }
  visit(parseAst(text, { lang: "ts" }, file))
  return found
}

describe("the repository's shape", () => {
  it(`keeps every source file within ${MAX_FILE_LINES} lines`, () => {
    const long = [...packageSources, ...appSources]
      .map((file) => `${file}: ${read(file).split("\n").length - 1} lines`)
      .filter((entry) => Number(entry.split(": ")[1]!.split(" ")[0]) > MAX_FILE_LINES)
    expect(long).toEqual([])
  })

  it(`keeps every function within ${MAX_FUNCTION_LINES} lines`, () => {
    const long = [...packageSources, ...appSources].flatMap((file) =>
      functionsOf(file).filter((f) => f.lines > MAX_FUNCTION_LINES).map((f) => `${file}:${f.line}: ${f.lines} lines`)
    )
    expect(long).toEqual([])
  })

  it(`keeps every line within ${MAX_LINE_WIDTH} characters`, () => {
    const wide = [...packageSources, ...appSources].flatMap((file) =>
      read(file).split("\n").flatMap((line, i) => (line.length > MAX_LINE_WIDTH ? [`${file}:${i + 1}`] : []))
    )
    expect(wide).toEqual([])
  })

  it("runs no Effect program from inside the packages (only the apps' entry points do)", () => {
    const running = packageSources.filter((file) => /\bEffect\.run(Promise|Sync|Fork|Callback)\w*\(/.test(read(file)))
    expect(running).toEqual([])
  })

  it("holds no SQL in the apps: the repositories own it", () => {
    const sql = appSources.filter((file) =>
      /\bsql\s*(<[^>]*>)?`|\.query\(\s*"|\.unsafe\(|\b(select|insert into|update|delete from)\s+["a-z_]+/i.test(
        read(file).replace(/\/\/.*|\/\*[\s\S]*?\*\//g, "")
      )
    )
    expect(sql).toEqual([])
  })
})
