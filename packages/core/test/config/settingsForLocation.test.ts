import { parseS3EnvAt, parseStorageEnvFor, problemsOf, s3Location } from "@immich-storage/core"
import { describe, expect, it } from "vitest"

/** The environment of a local install about to move to S3: the S3_* variables are set beside a local location. */
const LOCAL_WITH_S3 = {
  IMMICH_STORAGE_ENGINE: "local",
  IMMICH_MEDIA_LOCATION: "/data",
  S3_BUCKET: "configured-bucket",
  S3_PREFIX: "configured",
  S3_ENDPOINT: "http://127.0.0.1:9000/",
  S3_ACCESS_KEY_ID: "AKIAEXAMPLE",
  S3_SECRET_ACCESS_KEY: "secret",
  S3_SSE: "AES256"
}

describe("S3 settings for a location given on the command line", () => {
  it("take the bucket and prefix from the location, everything else from S3_*, whatever the engine", () => {
    const parsed = parseS3EnvAt(s3Location("other-bucket", "elsewhere/x"), LOCAL_WITH_S3)
    expect(parsed).toMatchObject({
      ok: true,
      settings: {
        engine: "s3",
        location: { _tag: "S3", bucket: "other-bucket", prefix: "elsewhere/x" },
        s3: {
          bucket: "other-bucket",
          prefix: "elsewhere/x",
          endpoint: "http://127.0.0.1:9000",
          requestChecksums: "when_required",
          sse: { algorithm: "AES256" },
          credentials: { accessKeyId: "AKIAEXAMPLE" }
        }
      }
    })
  })

  it("need no S3_BUCKET, and still refuse a bad S3_* setting or a bad bucket name, naming each", () => {
    expect(parseS3EnvAt(s3Location("photos", ""), {}).ok).toBe(true)
    const problems = problemsOf(
      parseS3EnvAt(s3Location("Bad_Bucket", "x"), { S3_ACCESS_KEY_ID: "AKIA", S3_SSE: "nope" })
    )
    expect(problems.map((p) => p.variable)).toEqual(["s3://Bad_Bucket/x", "S3_SECRET_ACCESS_KEY", "S3_SSE"])
    expect(problems[0]!.problem).toContain("is not a valid bucket name: it may contain only lowercase letters")
  })

  it("check acceleration against the given bucket", () => {
    const problems = problemsOf(parseS3EnvAt(s3Location("my.photos", ""), { S3_USE_ACCELERATE: "true" }))
    expect(problems).toEqual([
      {
        variable: "S3_USE_ACCELERATE",
        problem: "cannot be used with bucket \"my.photos\": accelerated buckets may not contain dots"
      }
    ])
  })
})

describe("storage settings for an engine the caller chose", () => {
  it("s3: from S3_*, while IMMICH_MEDIA_LOCATION still names the current local folder", () => {
    expect(parseStorageEnvFor("s3", LOCAL_WITH_S3, "/srv")).toMatchObject({
      ok: true,
      settings: { engine: "s3", location: { bucket: "configured-bucket", prefix: "configured" } }
    })
    expect(problemsOf(parseStorageEnvFor("s3", { IMMICH_MEDIA_LOCATION: "/data" }, "/srv"))).toEqual([
      { variable: "S3_BUCKET", problem: "is required when IMMICH_STORAGE_ENGINE=s3; set it to the name of your bucket" }
    ])
  })

  it("local: from IMMICH_MEDIA_LOCATION (default ./data), while IMMICH_STORAGE_ENGINE still says s3", () => {
    const env = { IMMICH_STORAGE_ENGINE: "s3", S3_BUCKET: "photos" }
    expect(parseStorageEnvFor("local", env, "/srv")).toMatchObject({
      ok: true,
      settings: { engine: "local", location: { _tag: "Local", root: "/srv/data" } }
    })
    expect(parseStorageEnvFor("local", { ...env, IMMICH_MEDIA_LOCATION: "/media" }, "/srv")).toMatchObject({
      settings: { location: { root: "/media" } }
    })
  })
})
