import { assert, describe, it } from "@effect/vitest"
import { describeSettings, formatRows, loadStorageSettings, parseStorageEnv } from "@immich-storage/core"
import type { StorageEnv } from "@immich-storage/core"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"

const CWD = "/srv/immich"
const S3: StorageEnv = { IMMICH_STORAGE_ENGINE: "s3", S3_BUCKET: "my-photos" }

const problemsOf = (env: StorageEnv) => {
  const parsed = parseStorageEnv(env, CWD)
  return parsed.ok ? [] : parsed.problems
}

describe("parseStorageEnv", () => {
  it("defaults to the local engine in ./data, as an absolute path", () => {
    const parsed = parseStorageEnv({}, CWD)
    assert.deepStrictEqual(parsed, {
      ok: true,
      settings: {
        engine: "local",
        location: { _tag: "Local", root: "/srv/immich/data" },
        ignoreMountCheckErrors: false
      }
    })
  })

  it("derives s3://<bucket>/<prefix> with defaults for everything but the bucket", () => {
    const parsed = parseStorageEnv({ ...S3, S3_PREFIX: "/immich/library/" }, CWD)
    assert.isTrue(parsed.ok)
    if (!parsed.ok) return
    assert.deepStrictEqual(parsed.settings.location, { _tag: "S3", bucket: "my-photos", prefix: "immich/library" })
    if (parsed.settings.engine !== "s3") return
    assert.strictEqual(parsed.settings.s3.region, "us-east-1")
    assert.strictEqual(parsed.settings.s3.credentials, undefined, "no keys: the default credential chain")
    assert.strictEqual(parsed.settings.s3.requestChecksums, "when_supported", "AWS: the SDK's default")
    assert.isTrue(parsed.settings.s3.etagIsMd5, "single-part ETags are MD5s on AWS")
  })

  it("takes S3_ETAG_IS_MD5=false for a server whose ETags are not MD5s", () => {
    const parsed = parseStorageEnv({ ...S3, S3_ETAG_IS_MD5: "false" }, CWD)
    assert.isTrue(parsed.ok && parsed.settings.engine === "s3" && !parsed.settings.s3.etagIsMd5)
  })

  it("reads a MinIO setup: endpoint, path style, keys, SSE-KMS", () => {
    const parsed = parseStorageEnv({
      ...S3,
      S3_ENDPOINT: "http://127.0.0.1:9000/",
      S3_FORCE_PATH_STYLE: "1",
      S3_ACCESS_KEY_ID: "minio",
      S3_SECRET_ACCESS_KEY: "minio-secret",
      S3_SSE: "aws:kms",
      S3_SSE_KMS_KEY_ID: "key-1",
      S3_REGION: "eu-central-1"
    }, CWD)
    assert.isTrue(parsed.ok && parsed.settings.engine === "s3")
    if (!parsed.ok || parsed.settings.engine !== "s3") return
    const s3 = parsed.settings.s3
    assert.strictEqual(s3.endpoint, "http://127.0.0.1:9000")
    assert.isTrue(s3.forcePathStyle)
    assert.strictEqual(s3.credentials?.accessKeyId, "minio")
    assert.strictEqual(Redacted.value(s3.credentials!.secretAccessKey), "minio-secret")
    assert.deepStrictEqual(s3.sse, { algorithm: "aws:kms", kmsKeyId: "key-1" })
    assert.strictEqual(s3.requestChecksums, "when_required", "custom endpoint: only required checksums")
    assert.strictEqual(s3.region, "eu-central-1")
  })

  it("treats blank values as unset", () => {
    assert.isTrue(parseStorageEnv({ ...S3, S3_PREFIX: "", IMMICH_MEDIA_LOCATION: "  ", S3_SSE: "" }, CWD).ok)
  })

  const badEnvironments: ReadonlyArray<{ name: string; env: StorageEnv; variable: string; says: string }> = [
    {
      name: "unknown engine",
      env: { IMMICH_STORAGE_ENGINE: "gcs" },
      variable: "IMMICH_STORAGE_ENGINE",
      says: "use local or s3"
    },
    { name: "s3 without a bucket", env: { IMMICH_STORAGE_ENGINE: "s3" }, variable: "S3_BUCKET", says: "is required" },
    {
      name: "s3 with a media location",
      env: { ...S3, IMMICH_MEDIA_LOCATION: "/data" },
      variable: "IMMICH_MEDIA_LOCATION",
      says: "derived as s3://<S3_BUCKET>/<S3_PREFIX>"
    },
    { name: "uppercase bucket", env: { ...S3, S3_BUCKET: "My-Photos" }, variable: "S3_BUCKET", says: "lowercase" },
    { name: "bucket too short", env: { ...S3, S3_BUCKET: "ab" }, variable: "S3_BUCKET", says: "3 to 63 characters" },
    {
      name: "bucket shaped like an IP",
      env: { ...S3, S3_BUCKET: "192.168.1.10" },
      variable: "S3_BUCKET",
      says: "IP address"
    },
    {
      name: "bucket with adjacent dots",
      env: { ...S3, S3_BUCKET: "my..photos" },
      variable: "S3_BUCKET",
      says: "adjacent dots"
    },
    {
      name: "bucket ending in a hyphen",
      env: { ...S3, S3_BUCKET: "photos-" },
      variable: "S3_BUCKET",
      says: "begin and end"
    },
    {
      name: "prefix with ..",
      env: { ...S3, S3_PREFIX: "immich/../other" },
      variable: "S3_PREFIX",
      says: "'..' segment"
    },
    {
      name: "prefix with an empty segment",
      env: { ...S3, S3_PREFIX: "a//b" },
      variable: "S3_PREFIX",
      says: "empty segment"
    },
    {
      name: "endpoint that is not a URL",
      env: { ...S3, S3_ENDPOINT: "minio:9000" },
      variable: "S3_ENDPOINT",
      says: "http://"
    },
    {
      name: "endpoint with credentials",
      env: { ...S3, S3_ENDPOINT: "http://key:secret@minio:9000" },
      variable: "S3_ENDPOINT",
      says: "must not contain credentials"
    },
    {
      name: "path style not a boolean",
      env: { ...S3, S3_FORCE_PATH_STYLE: "yes please" },
      variable: "S3_FORCE_PATH_STYLE",
      says: "true, false, 1 or 0"
    },
    {
      name: "access key without secret",
      env: { ...S3, S3_ACCESS_KEY_ID: "AKIA" },
      variable: "S3_SECRET_ACCESS_KEY",
      says: "set both, or neither"
    },
    {
      name: "secret without access key",
      env: { ...S3, S3_SECRET_ACCESS_KEY: "s3cr3t" },
      variable: "S3_ACCESS_KEY_ID",
      says: "set both, or neither"
    },
    {
      name: "acceleration with an endpoint",
      env: { ...S3, S3_USE_ACCELERATE: "true", S3_ENDPOINT: "http://127.0.0.1:9000" },
      variable: "S3_USE_ACCELERATE",
      says: "only on AWS"
    },
    { name: "unknown SSE", env: { ...S3, S3_SSE: "SSE-C" }, variable: "S3_SSE", says: "AES256" },
    {
      name: "KMS key without aws:kms",
      env: { ...S3, S3_SSE: "AES256", S3_SSE_KMS_KEY_ID: "k" },
      variable: "S3_SSE_KMS_KEY_ID",
      says: "only used with S3_SSE=aws:kms"
    },
    {
      name: "unknown checksum mode",
      env: { ...S3, S3_REQUEST_CHECKSUMS: "always" },
      variable: "S3_REQUEST_CHECKSUMS",
      says: "when_required"
    },
    { name: "ETag flag", env: { ...S3, S3_ETAG_IS_MD5: "maybe" }, variable: "S3_ETAG_IS_MD5", says: "true, false" },
    {
      name: "media location at the filesystem root",
      env: { IMMICH_MEDIA_LOCATION: "/" },
      variable: "IMMICH_MEDIA_LOCATION",
      says: "filesystem root"
    },
    {
      name: "an s3:// URL as a local folder",
      env: { IMMICH_MEDIA_LOCATION: "s3://bucket/x" },
      variable: "IMMICH_MEDIA_LOCATION",
      says: "IMMICH_STORAGE_ENGINE=s3"
    },
    {
      name: "an http URL as a local folder",
      env: { IMMICH_MEDIA_LOCATION: "http://example.com/x" },
      variable: "IMMICH_MEDIA_LOCATION",
      says: "is a URL (http:)"
    },
    {
      name: "a mistyped s3 URL",
      env: { IMMICH_MEDIA_LOCATION: "S3://bucket/x" },
      variable: "IMMICH_MEDIA_LOCATION",
      says: "mistyped S3 location"
    },
    {
      name: "a mistyped s3 URL (s3:bucket)",
      env: { IMMICH_MEDIA_LOCATION: "s3:bucket" },
      variable: "IMMICH_MEDIA_LOCATION",
      says: "IMMICH_STORAGE_ENGINE=s3"
    },
    {
      name: "bad boolean for mount checks",
      env: { IMMICH_IGNORE_MOUNT_CHECK_ERRORS: "maybe" },
      variable: "IMMICH_IGNORE_MOUNT_CHECK_ERRORS",
      says: "not a boolean"
    }
  ]

  for (const { env, name, says, variable } of badEnvironments) {
    it(`refuses ${name}, naming ${variable}`, () => {
      const problems = problemsOf(env)
      const match = problems.find((p) => p.variable === variable)
      assert.isDefined(match, JSON.stringify(problems))
      assert.include(match!.problem, says)
    })
  }

  it("reports every problem at once", () => {
    const problems = problemsOf({
      IMMICH_STORAGE_ENGINE: "s3",
      IMMICH_MEDIA_LOCATION: "/data",
      S3_PREFIX: "../x",
      S3_ACCESS_KEY_ID: "AKIA",
      S3_SSE: "nope"
    })
    assert.deepStrictEqual(
      problems.map((p) => p.variable).sort(),
      ["IMMICH_MEDIA_LOCATION", "S3_BUCKET", "S3_PREFIX", "S3_SECRET_ACCESS_KEY", "S3_SSE"]
    )
  })
})

describe("StorageConfig from the environment", () => {
  it.effect("fails with one readable message naming each variable, and never the secret", () =>
    Effect.gen(function*() {
      const env = { IMMICH_STORAGE_ENGINE: "s3", S3_SECRET_ACCESS_KEY: "very-secret-value", S3_SSE: "bogus" }
      const exit = yield* Effect.exit(
        loadStorageSettings.pipe(Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env })))
      )
      assert.isTrue(Exit.isFailure(exit))
      const message = Exit.isFailure(exit) ? String((exit.cause.reasons[0] as { error: Error }).error.message) : ""
      assert.include(message, "3 problems")
      for (const variable of ["S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SSE"]) assert.include(message, variable)
      assert.notInclude(message, "very-secret-value")
    }))

  it.effect("describes the effective settings with the secret masked", () =>
    Effect.gen(function*() {
      const env = {
        ...S3,
        S3_ACCESS_KEY_ID: "AKIAEXAMPLE",
        S3_SECRET_ACCESS_KEY: "very-secret-value",
        S3_PREFIX: "immich"
      }
      const settings = yield* loadStorageSettings.pipe(
        Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))
      )
      const text = formatRows(describeSettings(settings))
      assert.include(text, "s3://my-photos/immich")
      assert.include(text, "AKIAEXAMPLE")
      assert.notInclude(text, "very-secret-value")
      assert.notInclude(JSON.stringify(settings), "very-secret-value")
    }))
})
