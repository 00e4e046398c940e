import { describe, expect, it } from "vitest"
import { CLI_MAIN, runScript } from "@immich-storage/testkit"

describe("immich-storage config", () => {
  it("prints the effective configuration with the derived location and the secret masked", async () => {
    const result = await runScript(CLI_MAIN, ["config"], {
      IMMICH_STORAGE_ENGINE: "s3",
      S3_BUCKET: "family-photos",
      S3_PREFIX: "/immich/",
      S3_ENDPOINT: "http://127.0.0.1:9000",
      S3_FORCE_PATH_STYLE: "true",
      S3_ACCESS_KEY_ID: "AKIAEXAMPLE",
      S3_SECRET_ACCESS_KEY: "super-secret-key"
    })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/media location\s+s3:\/\/family-photos\/immich/)
    expect(result.stdout).toMatch(/request checksums\s+when_required/)
    expect(result.stdout).toContain("AKIAEXAMPLE")
    expect(result.stdout + result.stderr).not.toContain("super-secret-key")
  })

  it("prints JSON with --json", async () => {
    const result = await runScript(CLI_MAIN, ["config", "--json"], { IMMICH_MEDIA_LOCATION: "/srv/photos" })
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ engine: "local", "media location": "/srv/photos" })
  })

  it("prints every problem and exits 1 on a bad environment", async () => {
    const result = await runScript(CLI_MAIN, ["config"], {
      IMMICH_STORAGE_ENGINE: "s3",
      S3_BUCKET: "Bad_Bucket",
      S3_USE_ACCELERATE: "true",
      S3_ENDPOINT: "http://127.0.0.1:9000",
      S3_SECRET_ACCESS_KEY: "super-secret-key"
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("3 problems")
    for (const variable of ["S3_BUCKET", "S3_USE_ACCELERATE", "S3_ACCESS_KEY_ID"]) expect(result.stderr).toContain(variable)
    expect(result.stdout + result.stderr).not.toContain("super-secret-key")
  })
})
