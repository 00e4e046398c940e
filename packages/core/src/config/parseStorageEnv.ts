import * as Redacted from "effect/Redacted"
import * as path from "node:path"
import { locationSchemeProblem, S3_SCHEME } from "../location/locationText.ts"
import { localLocation, normaliseS3Prefix, s3Location, s3PrefixProblem } from "../location/MediaLocation.ts"
import { bucketNameProblem } from "./bucketName.ts"
import type { SettingProblem } from "./InvalidConfiguration.ts"
import type { S3Settings, ServerSideEncryption, StorageSettings } from "./StorageSettings.ts"
import { REQUEST_CHECKSUMS } from "./StorageSettings.ts"

/** Every environment variable the storage core reads. */
export const STORAGE_ENV_VARIABLES = [
  "IMMICH_STORAGE_ENGINE",
  "IMMICH_MEDIA_LOCATION",
  "IMMICH_IGNORE_MOUNT_CHECK_ERRORS",
  "S3_BUCKET",
  "S3_REGION",
  "S3_PREFIX",
  "S3_ENDPOINT",
  "S3_FORCE_PATH_STYLE",
  "S3_ACCESS_KEY_ID",
  "S3_SECRET_ACCESS_KEY",
  "S3_USE_ACCELERATE",
  "S3_SSE",
  "S3_SSE_KMS_KEY_ID",
  "S3_REQUEST_CHECKSUMS"
] as const
export type StorageEnvVariable = typeof STORAGE_ENV_VARIABLES[number]

/** Raw values; a variable that is unset or blank is absent. */
export type StorageEnv = Partial<Record<StorageEnvVariable, string>>

export interface ConfigProblem extends SettingProblem {
  readonly variable: StorageEnvVariable
}

export const DEFAULT_MEDIA_LOCATION = "./data"
export const DEFAULT_S3_REGION = "us-east-1"

const BOOLEAN_VALUES: Record<string, boolean> = { true: true, false: false, "1": true, "0": false }

/**
 * Validates the whole environment at once: either settings, or every problem found, each naming its
 * variable and what to change. `cwd` anchors a relative `IMMICH_MEDIA_LOCATION`.
 */
export const parseStorageEnv = (
  env: StorageEnv,
  cwd: string
): { readonly ok: true; readonly settings: StorageSettings } | { readonly ok: false; readonly problems: ReadonlyArray<ConfigProblem> } => {
  const problems: Array<ConfigProblem> = []
  const report = (variable: StorageEnvVariable, problem: string) => problems.push({ variable, problem })
  const value = (variable: StorageEnvVariable): string | undefined => {
    const raw = env[variable]?.trim()
    return raw === undefined || raw === "" ? undefined : raw
  }
  const flag = (variable: StorageEnvVariable): boolean => {
    const raw = value(variable)
    if (raw === undefined) return false
    const parsed = BOOLEAN_VALUES[raw.toLowerCase()]
    if (parsed === undefined) report(variable, `"${raw}" is not a boolean; use true, false, 1 or 0`)
    return parsed ?? false
  }

  const engineRaw = value("IMMICH_STORAGE_ENGINE")?.toLowerCase() ?? "local"
  if (engineRaw !== "local" && engineRaw !== "s3") {
    report("IMMICH_STORAGE_ENGINE", `"${value("IMMICH_STORAGE_ENGINE")}" is not an engine; use local or s3`)
  }
  const ignoreMountCheckErrors = flag("IMMICH_IGNORE_MOUNT_CHECK_ERRORS")

  if (engineRaw === "s3") {
    const s3 = parseS3(value, flag, report)
    if (value("IMMICH_MEDIA_LOCATION") !== undefined) {
      report(
        "IMMICH_MEDIA_LOCATION",
        "must not be set when IMMICH_STORAGE_ENGINE=s3: the media location is derived as s3://<S3_BUCKET>/<S3_PREFIX>; unset it"
      )
    }
    if (problems.length > 0 || s3 === undefined) return { ok: false, problems }
    return { ok: true, settings: { engine: "s3", location: s3Location(s3.bucket, s3.prefix), s3, ignoreMountCheckErrors } }
  }

  const mediaLocation = value("IMMICH_MEDIA_LOCATION") ?? DEFAULT_MEDIA_LOCATION
  const root = path.resolve(cwd, mediaLocation)
  const schemeProblem = locationSchemeProblem(mediaLocation)
  if (root === "/") report("IMMICH_MEDIA_LOCATION", "must not be the filesystem root; name a folder such as /data")
  const forS3 = "to store media in S3 set IMMICH_STORAGE_ENGINE=s3 and S3_BUCKET instead"
  if (mediaLocation.startsWith(S3_SCHEME)) report("IMMICH_MEDIA_LOCATION", `is a local folder; ${forS3}`)
  else if (schemeProblem !== undefined) {
    report("IMMICH_MEDIA_LOCATION", `${schemeProblem}; it names a local folder (${forS3})`)
  }
  if (problems.length > 0) return { ok: false, problems }
  return { ok: true, settings: { engine: "local", location: localLocation(root), ignoreMountCheckErrors } }
}

const parseS3 = (
  value: (variable: StorageEnvVariable) => string | undefined,
  flag: (variable: StorageEnvVariable) => boolean,
  report: (variable: StorageEnvVariable, problem: string) => void
): S3Settings | undefined => {
  const bucket = value("S3_BUCKET")
  if (bucket === undefined) {
    report("S3_BUCKET", "is required when IMMICH_STORAGE_ENGINE=s3; set it to the name of your bucket")
  } else {
    const problem = bucketNameProblem(bucket)
    if (problem !== undefined) report("S3_BUCKET", `"${bucket}" is not a valid bucket name: it ${problem}`)
  }

  const region = value("S3_REGION") ?? DEFAULT_S3_REGION
  if (!/^[a-z0-9-]+$/.test(region)) report("S3_REGION", `"${region}" is not a region name such as us-east-1 or eu-central-1`)

  const prefixRaw = value("S3_PREFIX") ?? ""
  const prefixProblem = s3PrefixProblem(prefixRaw)
  if (prefixProblem !== undefined) report("S3_PREFIX", `"${prefixRaw}" ${prefixProblem}; use a path like immich or photos/immich`)

  const endpoint = value("S3_ENDPOINT")
  if (endpoint !== undefined) {
    const problem = endpointProblem(endpoint)
    if (problem !== undefined) report("S3_ENDPOINT", problem)
  }
  const forcePathStyle = flag("S3_FORCE_PATH_STYLE")

  const accessKeyId = value("S3_ACCESS_KEY_ID")
  const secret = value("S3_SECRET_ACCESS_KEY")
  if (accessKeyId !== undefined && secret === undefined) {
    report("S3_SECRET_ACCESS_KEY", "is missing while S3_ACCESS_KEY_ID is set; set both, or neither to use the default AWS credential chain")
  }
  if (secret !== undefined && accessKeyId === undefined) {
    report("S3_ACCESS_KEY_ID", "is missing while S3_SECRET_ACCESS_KEY is set; set both, or neither to use the default AWS credential chain")
  }

  const useAccelerate = flag("S3_USE_ACCELERATE")
  if (useAccelerate && endpoint !== undefined) {
    report("S3_USE_ACCELERATE", "cannot be combined with S3_ENDPOINT: transfer acceleration exists only on AWS; unset one of them")
  }
  if (useAccelerate && forcePathStyle) {
    report("S3_USE_ACCELERATE", "cannot be combined with S3_FORCE_PATH_STYLE: acceleration needs virtual-hosted-style addressing")
  }
  if (useAccelerate && bucket?.includes(".")) {
    report("S3_USE_ACCELERATE", `cannot be used with bucket "${bucket}": accelerated buckets may not contain dots`)
  }

  const sse = parseSse(value("S3_SSE"), value("S3_SSE_KMS_KEY_ID"), report)

  const checksumsRaw = value("S3_REQUEST_CHECKSUMS")?.toLowerCase()
  const requestChecksums = checksumsRaw === undefined
    ? endpoint === undefined ? "when_supported" : "when_required"
    : REQUEST_CHECKSUMS.find((c) => c === checksumsRaw)
  if (requestChecksums === undefined) {
    report("S3_REQUEST_CHECKSUMS", `"${checksumsRaw}" is not a checksum mode; use when_supported or when_required`)
  }

  if (bucket === undefined || requestChecksums === undefined) return undefined
  return {
    bucket,
    prefix: normaliseS3Prefix(prefixRaw),
    region,
    endpoint: endpoint?.replace(/\/+$/, ""),
    forcePathStyle,
    credentials: accessKeyId !== undefined && secret !== undefined
      ? { accessKeyId, secretAccessKey: Redacted.make(secret) }
      : undefined,
    useAccelerate,
    sse,
    requestChecksums
  }
}


const endpointProblem = (endpoint: string): string | undefined => {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return `"${endpoint}" is not a URL; use e.g. http://127.0.0.1:9000 or https://s3.example.com`
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return `"${endpoint}" must start with http:// or https://`
  }
  if (url.username !== "" || url.password !== "") {
    return "must not contain credentials; put them in S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY"
  }
  if (url.search !== "" || url.hash !== "") return `"${endpoint}" must not have a query or fragment`
  return undefined
}

const parseSse = (
  algorithm: string | undefined,
  kmsKeyId: string | undefined,
  report: (variable: StorageEnvVariable, problem: string) => void
): ServerSideEncryption | undefined => {
  if (algorithm === undefined) {
    if (kmsKeyId !== undefined) report("S3_SSE_KMS_KEY_ID", "is only used with S3_SSE=aws:kms; set S3_SSE=aws:kms or unset it")
    return undefined
  }
  if (algorithm === "AES256") {
    if (kmsKeyId !== undefined) report("S3_SSE_KMS_KEY_ID", "is only used with S3_SSE=aws:kms, not AES256; unset it")
    return { algorithm: "AES256" }
  }
  if (algorithm === "aws:kms") return { algorithm: "aws:kms", kmsKeyId }
  report("S3_SSE", `"${algorithm}" is not supported; use AES256 (SSE-S3) or aws:kms (SSE-KMS)`)
  return undefined
}
