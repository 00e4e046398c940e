import { IMMICH_API_VERSION, PACKAGE_VERSION } from "@immich-storage/core"
import { CLI_MAIN, runScript } from "@immich-storage/testkit"
import { describe, expect, it } from "vitest"

describe("immich-storage --version", () => {
  it("prints this project's version, never the Immich API version the server reports", async () => {
    const result = await runScript(CLI_MAIN, ["--version"], {})
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(PACKAGE_VERSION)
    expect(result.stdout).not.toContain(IMMICH_API_VERSION)
  })
})
