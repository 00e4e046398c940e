import { IMMICH_API_VERSION, PACKAGE_VERSION, parseImmichVersion } from "@immich-storage/core"
import { describe, expect, it } from "vitest"
import rootPackage from "../../../package.json" with { type: "json" }

describe("versions", () => {
  it("keeps the Immich API version apart from this project's own", () => {
    expect(IMMICH_API_VERSION).toBe("3.2.0")
    expect(PACKAGE_VERSION).toBe(rootPackage.version)
    expect(PACKAGE_VERSION).not.toBe(IMMICH_API_VERSION)
  })

  it("reads a version as Immich's ServerVersionResponseDto: prerelease is the candidate's number, else null", () => {
    expect(parseImmichVersion(IMMICH_API_VERSION)).toEqual({ major: 3, minor: 2, patch: 0, prerelease: null })
    expect(parseImmichVersion("3.3.0-rc.2")).toEqual({ major: 3, minor: 3, patch: 0, prerelease: 2 })
    expect(parseImmichVersion("0.1")).toBeUndefined()
    expect(parseImmichVersion("v3.2.0")).toBeUndefined()
  })
})
