import { ALL_VARIABLES } from "@immich-storage/core"
import { CLI_MAIN, REPO_ROOT, runScript } from "@immich-storage/testkit"
import * as path from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"

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
    expect(result.stdout).toMatch(/read integrity\s+CRC32 when the server stores one, else the ETag's MD5 for single/)
    expect(result.stdout).toMatch(/ETag is MD5\s+true/)
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
    for (const variable of ["S3_BUCKET", "S3_USE_ACCELERATE", "S3_ACCESS_KEY_ID"])
      expect(result.stderr).toContain(variable)
    expect(result.stdout + result.stderr).not.toContain("super-secret-key")
  })
})

describe("immich-storage config, every variable", () => {
  it("checks the server's variables too, with the storage ones, and lists every problem", async () => {
    const result = await runScript(CLI_MAIN, ["config"], {
      IMMICH_PORT: "http",
      IMMICH_HOST: "0.0.0.0:2283",
      IMMICH_ADMIN_API_KEY: "tiny-admin-key",
      DB_BACKUP_CRON: "every night",
      IMMICH_LEFTOVER_MAX_AGE: "1 week",
      DB_PORT: "postgres",
      IMMICH_STORAGE_ENGINE: "gcs"
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("7 problems")
    const server = ["IMMICH_PORT", "IMMICH_HOST", "IMMICH_ADMIN_API_KEY", "IMMICH_LEFTOVER_MAX_AGE"]
    for (const variable of [...server, "DB_BACKUP_CRON", "DB_PORT"]) expect(result.stderr).toContain(`  - ${variable} `)
    expect(result.stderr).toContain("  - IMMICH_STORAGE_ENGINE \"gcs\" is not an engine; use local or s3")
    expect(result.stderr).not.toContain("tiny-admin-key")
  })

  it("prints every declared variable, set or at its default, and no secret", async () => {
    const secrets = {
      S3_SECRET_ACCESS_KEY: "s3-secret-value",
      IMMICH_ADMIN_API_KEY: "admin-key-secret-value-0123456789",
      DB_PASSWORD: "db-password-value",
      DB_URL: "postgres://u:url-password-value@127.0.0.1:5432/photos"
    }
    const env = { ...secrets, S3_ACCESS_KEY_ID: "AKIAEXAMPLE", IMMICH_PORT: "8080" }
    const result = await runScript(CLI_MAIN, ["config", "--json"], env)
    expect(result.code, result.stderr).toBe(0)
    const printed = JSON.parse(result.stdout) as Record<string, string>
    for (const variable of ALL_VARIABLES) expect(printed, variable.name).toHaveProperty([variable.name])
    expect(printed).toMatchObject({
      IMMICH_PORT: "8080",
      DB_BACKUP_CRON: "0 02 * * * (default)",
      database: "postgres://u@127.0.0.1:5432/photos"
    })
    for (const secret of Object.values(secrets)) expect(result.stdout + result.stderr).not.toContain(secret)
    expect(result.stdout).not.toContain("url-password-value")
  })
})

describe("the immich-storage command", () => {
  it("is installed by npm ci as node_modules/.bin/immich-storage and runs on the project's Node", async () => {
    // What `npx immich-storage …` runs: the bin link npm made from the lockfile, through its shebang, with
    // node_modules/.bin (where the `node` devDependency puts Node 24) first on the PATH, as npx does.
    const { execFile } = await import("node:child_process")
    const bin = path.join(REPO_ROOT, "node_modules/.bin")
    const { stdout } = await promisify(execFile)(path.join(bin, "immich-storage"), ["config", "--json"], {
      env: { PATH: `${bin}:/usr/bin:/bin`, IMMICH_MEDIA_LOCATION: "/srv/photos" }
    })
    expect(JSON.parse(stdout)).toMatchObject({ engine: "local", "media location": "/srv/photos" })
  })
})
