import * as path from "node:path"
import { locationSchemeProblem, S3_SCHEME } from "../location/locationText.ts"
import { baseOf, localLocation, s3Location } from "../location/MediaLocation.ts"
import type { S3Location } from "../location/MediaLocation.ts"
import { envReader } from "./envVariable.ts"
import type { EnvReader, Parsed } from "./envVariable.ts"
import { asBucketName, s3Variables } from "./s3Variables.ts"
import type {
  LocalSettings,
  RequestChecksums,
  S3Settings,
  S3StorageSettings,
  ServerSideEncryption,
  StorageSettings
} from "./StorageSettings.ts"
import { storageVariables } from "./storageVariables.ts"

type NamesOf<Group> = { [K in keyof Group]: Group[K] extends { readonly name: infer N } ? N : never }[keyof Group]

/** Every variable the storage core reads, declared in `storageVariables` and `s3Variables`. */
export const STORAGE_VARIABLES = [...Object.values(storageVariables), ...Object.values(s3Variables)]
export type StorageEnvVariable = NamesOf<typeof storageVariables> | NamesOf<typeof s3Variables>
export const STORAGE_ENV_VARIABLES = STORAGE_VARIABLES.map((v) => v.name) as ReadonlyArray<StorageEnvVariable>

/** Raw values; a variable that is unset or blank is absent. */
export type StorageEnv = Partial<Record<StorageEnvVariable, string>>

export type StorageEngineName = "local" | "s3"

/**
 * Validates the whole environment at once: either settings, or every problem found, each naming its
 * variable and what to change. `cwd` anchors a relative `IMMICH_MEDIA_LOCATION`.
 */
export const parseStorageEnv = (env: StorageEnv, cwd: string): Parsed<StorageSettings> => {
  const read = envReader(env)
  return read.get(storageVariables.engine) === "s3" ? s3Storage(read, undefined) : localStorage(read, cwd)
}

/**
 * The settings for an engine the caller chose (the target of a migration) rather than IMMICH_STORAGE_ENGINE:
 * for s3 the S3_* variables (IMMICH_MEDIA_LOCATION, still set for the current storage, is not read), for
 * local IMMICH_MEDIA_LOCATION.
 */
export const parseStorageEnvFor = (
  engine: StorageEngineName,
  env: StorageEnv,
  cwd: string
): Parsed<StorageSettings> => {
  const read = envReader(env)
  return engine === "s3" ? s3Storage(read, undefined, { mediaLocationRead: false }) : localStorage(read, cwd)
}

/** The settings for an `s3://bucket/prefix` given on the command line, with the other S3_* variables. */
export const parseS3EnvAt = (location: S3Location, env: StorageEnv): Parsed<S3StorageSettings> =>
  s3Storage(envReader(env), location, { mediaLocationRead: false })

const localStorage = (read: EnvReader, cwd: string): Parsed<LocalSettings> => {
  const ignoreMountCheckErrors = read.get(storageVariables.ignoreMountCheckErrors) ?? false
  const mediaLocation = read.get(storageVariables.mediaLocation)!
  const variable = storageVariables.mediaLocation
  const root = path.resolve(cwd, mediaLocation)
  const schemeProblem = locationSchemeProblem(mediaLocation)
  if (root === "/") read.report(variable, "must not be the filesystem root; name a folder such as /data")
  const forS3 = "to store media in S3 set IMMICH_STORAGE_ENGINE=s3 and S3_BUCKET instead"
  if (mediaLocation.startsWith(S3_SCHEME)) read.report(variable, `is a local folder; ${forS3}`)
  else if (schemeProblem !== undefined) {
    read.report(variable, `${schemeProblem}; it names a local folder (${forS3})`)
  }
  return read.result(() => ({ engine: "local", location: localLocation(root), ignoreMountCheckErrors }))
}

/** `at`: a location given on the command line, which replaces S3_BUCKET and S3_PREFIX. */
const s3Storage = (
  read: EnvReader,
  at: S3Location | undefined,
  { mediaLocationRead = true } = {}
): Parsed<S3StorageSettings> => {
  const ignoreMountCheckErrors = read.get(storageVariables.ignoreMountCheckErrors) ?? false
  const bucket = at === undefined ? read.get(s3Variables.bucket) : at.bucket
  if (at === undefined && read.text(s3Variables.bucket) === undefined) {
    read.report(s3Variables.bucket, "is required when IMMICH_STORAGE_ENGINE=s3; set it to the name of your bucket")
  }
  if (at !== undefined) {
    const name = asBucketName(at.bucket)
    if (!name.ok) read.report(baseOf(at), name.problem)
  }
  const prefix = at === undefined ? read.get(s3Variables.prefix) ?? "" : at.prefix
  const s3 = s3Connection(read, bucket)
  if (mediaLocationRead && read.text(storageVariables.mediaLocation) !== undefined) {
    read.report(
      storageVariables.mediaLocation,
      "must not be set when IMMICH_STORAGE_ENGINE=s3: the media location is derived as " +
        "s3://<S3_BUCKET>/<S3_PREFIX>; unset it"
    )
  }
  return read.result(() => ({
    engine: "s3",
    location: s3Location(bucket!, prefix),
    s3: { ...s3, bucket: bucket!, prefix },
    ignoreMountCheckErrors
  }))
}

/** Everything of the S3 settings but where (bucket and prefix): endpoint, credentials, region, SSE, checksums. */
const s3Connection = (read: EnvReader, bucket: string | undefined): Omit<S3Settings, "bucket" | "prefix"> => {
  const region = read.get(s3Variables.region)!
  const endpointSet = read.text(s3Variables.endpoint) !== undefined
  const endpoint = read.get(s3Variables.endpoint)
  const forcePathStyle = read.get(s3Variables.forcePathStyle) ?? false

  const accessKeyId = read.get(s3Variables.accessKeyId)
  const secretAccessKey = read.get(s3Variables.secretAccessKey)
  const neither = "set both, or neither to use the default AWS credential chain"
  if (accessKeyId !== undefined && secretAccessKey === undefined) {
    read.report(s3Variables.secretAccessKey, `is missing while S3_ACCESS_KEY_ID is set; ${neither}`)
  }
  if (secretAccessKey !== undefined && accessKeyId === undefined) {
    read.report(s3Variables.accessKeyId, `is missing while S3_SECRET_ACCESS_KEY is set; ${neither}`)
  }

  const useAccelerate = read.get(s3Variables.useAccelerate) ?? false
  const accelerate = s3Variables.useAccelerate
  if (useAccelerate && endpointSet) {
    const awsOnly = "transfer acceleration exists only on AWS; unset one of them"
    read.report(accelerate, `cannot be combined with S3_ENDPOINT: ${awsOnly}`)
  }
  if (useAccelerate && forcePathStyle) {
    const virtualHosted = "acceleration needs virtual-hosted-style addressing"
    read.report(accelerate, `cannot be combined with S3_FORCE_PATH_STYLE: ${virtualHosted}`)
  }
  if (useAccelerate && bucket?.includes(".")) {
    read.report(accelerate, `cannot be used with bucket "${bucket}": accelerated buckets may not contain dots`)
  }

  return {
    region,
    endpoint,
    forcePathStyle,
    credentials: accessKeyId !== undefined && secretAccessKey !== undefined
      ? { accessKeyId, secretAccessKey }
      : undefined,
    useAccelerate,
    sse: serverSideEncryption(read),
    requestChecksums: read.get(s3Variables.requestChecksums) ?? defaultRequestChecksums(endpointSet),
    etagIsMd5: read.get(s3Variables.etagIsMd5) ?? true
  }
}

/** The SDK's behaviour on AWS; only required checksums for other servers, several of which mishandle them. */
export const defaultRequestChecksums = (customEndpoint: boolean): RequestChecksums =>
  customEndpoint ? "when_required" : "when_supported"

const serverSideEncryption = (read: EnvReader): ServerSideEncryption | undefined => {
  const algorithm = read.get(s3Variables.sse)
  const kmsKeyId = read.get(s3Variables.sseKmsKeyId)
  const keyVariable = s3Variables.sseKmsKeyId
  if (read.text(s3Variables.sse) === undefined) {
    if (kmsKeyId !== undefined) {
      read.report(keyVariable, "is only used with S3_SSE=aws:kms; set S3_SSE=aws:kms or unset it")
    }
    return undefined
  }
  if (algorithm === "AES256") {
    if (kmsKeyId !== undefined) read.report(keyVariable, "is only used with S3_SSE=aws:kms, not AES256; unset it")
    return { algorithm: "AES256" }
  }
  return algorithm === "aws:kms" ? { algorithm: "aws:kms", kmsKeyId } : undefined
}
