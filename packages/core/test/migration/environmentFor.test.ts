import { environmentFor, parseStorageEnv, S3_VARIABLES } from "@immich-storage/core"
import type { StorageEnv, StorageSettings } from "@immich-storage/core"
import { parseEnv } from "node:util"
import { describe, expect, it } from "vitest"

const SECRET = "do-not-print-this-secret"

/** Between them, every S3 variable at a value that is not its default (acceleration excludes an endpoint). */
const onAws: StorageEnv = {
  IMMICH_STORAGE_ENGINE: "s3",
  S3_BUCKET: "my-photos",
  S3_PREFIX: "immich/library",
  S3_REGION: "eu-central-1",
  S3_ACCESS_KEY_ID: "AKIAEXAMPLE",
  S3_SECRET_ACCESS_KEY: SECRET,
  S3_USE_ACCELERATE: "true",
  S3_SSE: "aws:kms",
  S3_SSE_KMS_KEY_ID: "arn:aws:kms:eu-central-1:111122223333:key/abcd",
  S3_REQUEST_CHECKSUMS: "when_required"
}
const onMinio: StorageEnv = {
  IMMICH_STORAGE_ENGINE: "s3",
  S3_BUCKET: "photos",
  S3_ENDPOINT: "http://127.0.0.1:9000",
  S3_FORCE_PATH_STYLE: "true",
  S3_SSE: "AES256",
  S3_REQUEST_CHECKSUMS: "when_supported",
  S3_ETAG_IS_MD5: "false"
}

const settingsOf = (env: StorageEnv): StorageSettings => {
  const parsed = parseStorageEnv(env, "/")
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems))
  return parsed.settings
}

describe("migrate: the environment it prints", () => {
  it("names every S3 variable that has a non-default value, and refers to the secret without printing it", () => {
    const printed = [onAws, onMinio].map((env) => environmentFor(settingsOf(env)).join("\n"))
    for (const variable of S3_VARIABLES) {
      const setups = [onAws, onMinio].filter((env) => env[variable] !== undefined)
      expect(setups.length, `${variable} is set to a non-default value in one of the setups`).toBeGreaterThan(0)
      for (const env of setups) {
        const text = printed[env === onAws ? 0 : 1]!
        expect(text).toContain(
          variable === "S3_SECRET_ACCESS_KEY"
            ? "# S3_SECRET_ACCESS_KEY: keep the one you have (not printed)"
            : `${variable}=${env[variable]}`
        )
      }
    }
    expect(printed.join("\n")).not.toContain(SECRET)
  })

  it("prints what gives back the same settings, once the secret is added", () => {
    for (const env of [onAws, onMinio, { IMMICH_STORAGE_ENGINE: "s3", S3_BUCKET: "plain" } satisfies StorageEnv]) {
      const printed = parseEnv(environmentFor(settingsOf(env)).join("\n")) as StorageEnv
      const secret = env.S3_SECRET_ACCESS_KEY === undefined ? {} : { S3_SECRET_ACCESS_KEY: env.S3_SECRET_ACCESS_KEY }
      expect(settingsOf({ ...printed, ...secret })).toEqual(settingsOf(env))
    }
  })

  it("leaves defaults out", () => {
    const printed = environmentFor(settingsOf({ IMMICH_STORAGE_ENGINE: "s3", S3_BUCKET: "plain" }))
    expect(printed.filter((line) => !line.startsWith("#"))).toEqual(["IMMICH_STORAGE_ENGINE=s3", "S3_BUCKET=plain"])
  })
})
