import {
  ALL_VARIABLES,
  configurationTable,
  DEFAULT_LEFTOVER_MAX_AGE_MS,
  envReader,
  leftoverVariables,
  problemsOf,
  shownValue,
  STORAGE_ENV_VARIABLES
} from "@immich-storage/core"
import { REPO_ROOT } from "@immich-storage/testkit"
import * as fs from "node:fs"
import * as path from "node:path"
import { parseEnv } from "node:util"
import { describe, expect, it } from "vitest"

const names = ALL_VARIABLES.map((v) => v.name)
const read = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), "utf8")
/**
 * Names the README mentions that are not the server's or the CLI's settings: a constant, Immich's own uploader's
 * variable, and the one the web page's development server reads (`npm run dev -w apps/web`).
 */
const NOT_VARIABLES = new Set(["IMMICH_API_VERSION", "IMMICH_CONFIG_DIR", "IMMICH_SERVER_URL"])

describe("the variable declarations", () => {
  it("declare each name once, and every default reads back without a problem", () => {
    expect(new Set(names).size).toBe(names.length)
    for (const variable of ALL_VARIABLES) {
      if (variable.default === undefined) continue
      expect(variable.decode(variable.default), variable.name).toMatchObject({ ok: true })
    }
    expect(leftoverVariables.maxAge.decode(leftoverVariables.maxAge.default!)).toEqual({
      ok: true,
      value: DEFAULT_LEFTOVER_MAX_AGE_MS
    })
  })

  it("are what the README's configuration table says, row by row", () => {
    const lines = read("README.md").split("\n")
    const start = lines.indexOf("| variable | default | meaning |")
    expect(start).toBeGreaterThan(0)
    const end = lines.findIndex((line, i) => i > start && !line.startsWith("|"))
    // A missing, extra or reworded row shows here as a diff against the declarations.
    expect(lines.slice(start, end)).toEqual(configurationTable())
  })

  it("are what example.env assigns, in the same order, each blank or at its default", () => {
    const text = read("example.env")
    const assigned = text.split("\n").flatMap((line) => /^([A-Z0-9_]+)=/.exec(line)?.[1] ?? [])
    expect(assigned).toEqual(names)
    const values = parseEnv(text)
    for (const variable of ALL_VARIABLES) {
      expect(["", variable.default ?? ""], variable.name).toContain(values[variable.name])
    }
  })

  it("name every variable the README and example.env mention", () => {
    for (const file of ["README.md", "example.env"]) {
      const mentioned = new Set(read(file).match(/\b(IMMICH|S3|DB)_[A-Z0-9_]*[A-Z0-9]\b/g))
      const unknown = [...mentioned].filter((name) => !names.includes(name) && !NOT_VARIABLES.has(name))
      expect(unknown, file).toEqual([])
    }
  })

  it("show a secret only as set, and an unset variable as its default", () => {
    const byName = (name: string) => ALL_VARIABLES.find((v) => v.name === name)!
    const env = { S3_SECRET_ACCESS_KEY: "very-secret", DB_URL: "postgres://u:pw@h/db", IMMICH_PORT: " 8080 " }
    expect(shownValue(byName("S3_SECRET_ACCESS_KEY"), env)).toBe("******** (set)")
    expect(shownValue(byName("DB_URL"), env)).toBe("******** (set)")
    expect(shownValue(byName("IMMICH_PORT"), env)).toBe("8080")
    expect(shownValue(byName("DB_BACKUP_CRON"), env)).toBe("0 02 * * * (default)")
    expect(shownValue(byName("S3_ENDPOINT"), env)).toBe("(unset: AWS)")
    expect(shownValue(byName("S3_BUCKET"), env)).toBe("(unset)")
    expect(ALL_VARIABLES.filter((v) => v.secret).map((v) => v.name).sort()).toEqual(
      ["DB_PASSWORD", "DB_URL", "IMMICH_ADMIN_API_KEY", "S3_SECRET_ACCESS_KEY"]
    )
  })

  it("are read by one reader: blank is unset, a refused value is reported once under its name", () => {
    const engine = ALL_VARIABLES.find((v) => v.name === "IMMICH_STORAGE_ENGINE")!
    const reader = envReader({ IMMICH_STORAGE_ENGINE: "gcs", IMMICH_PORT: "  " })
    expect(reader.peek(engine)).toBeUndefined()
    expect(reader.problems).toEqual([])
    expect(reader.get(engine)).toBeUndefined()
    expect(problemsOf(reader.result(() => "never"))).toEqual([
      { variable: "IMMICH_STORAGE_ENGINE", problem: "\"gcs\" is not an engine; use local or s3" }
    ])
    expect(envReader({ IMMICH_STORAGE_ENGINE: " S3 " }).get(engine)).toBe("s3")
    expect(STORAGE_ENV_VARIABLES.every((name) => names.includes(name))).toBe(true)
  })
})
