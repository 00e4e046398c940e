import { IMMICH_API_VERSION, PACKAGE_VERSION } from "@immich-storage/core"
import { CLI_MAIN, REPO_ROOT, runScript } from "@immich-storage/testkit"
import { spawn } from "node:child_process"
import { once } from "node:events"
import { readFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"

describe("immich-storage --version", () => {
  it("prints this project's version, never the Immich API version the server reports", async () => {
    const result = await runScript(CLI_MAIN, ["--version"], {})
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(PACKAGE_VERSION)
    expect(result.stdout).not.toContain(IMMICH_API_VERSION)
  })
})

describe("immich-storage run as a program", () => {
  it("starts from its first line, with the heap settings given to Node there", async () => {
    // As `npx immich-storage` runs it: the kernel reads the `#!/usr/bin/env -S node …` line, and Node
    // refuses to start on a V8 flag it does not know, so a typo or a removed flag fails here.
    const child = spawn(path.join(REPO_ROOT, CLI_MAIN), ["--version"], {
      env: { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env["PATH"]}` }
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => void (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()))
    const [code] = (await once(child, "exit")) as [number | null]
    expect(stderr).toBe("")
    expect(code).toBe(0)
    expect(stdout).toContain(PACKAGE_VERSION)
    const firstLine = readFileSync(path.join(REPO_ROOT, CLI_MAIN), "utf8").split("\n")[0]
    expect(firstLine).toMatch(/^#!\/usr\/bin\/env -S node .*--max-semi-space-size=\d+/)
  })
})
