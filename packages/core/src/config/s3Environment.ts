import type * as Redacted from "effect/Redacted"
import type { EnvVariable } from "./envVariable.ts"
import { defaultRequestChecksums } from "./parseStorageEnv.ts"
import type { StorageEnvVariable } from "./parseStorageEnv.ts"
import { s3Variables } from "./s3Variables.ts"
import type { S3Settings } from "./StorageSettings.ts"

export type S3Variable = Extract<StorageEnvVariable, `S3_${string}`>
type EnvValue = string | Redacted.Redacted<string> | undefined

/**
 * Each S3 variable as written back from the settings (undefined: unset). Keyed by every S3 variable the
 * parser reads, so a new variable does not type-check until it is written back here too.
 */
const S3_VALUES: { readonly [V in S3Variable]: (s3: S3Settings) => EnvValue } = {
  S3_BUCKET: (s3) => s3.bucket,
  S3_REGION: (s3) => s3.region,
  S3_PREFIX: (s3) => (s3.prefix === "" ? undefined : s3.prefix),
  S3_ENDPOINT: (s3) => s3.endpoint,
  S3_FORCE_PATH_STYLE: (s3) => String(s3.forcePathStyle),
  S3_ACCESS_KEY_ID: (s3) => s3.credentials?.accessKeyId,
  S3_SECRET_ACCESS_KEY: (s3) => s3.credentials?.secretAccessKey,
  S3_USE_ACCELERATE: (s3) => String(s3.useAccelerate),
  S3_SSE: (s3) => s3.sse?.algorithm,
  S3_SSE_KMS_KEY_ID: (s3) => (s3.sse?.algorithm === "aws:kms" ? s3.sse.kmsKeyId : undefined),
  S3_REQUEST_CHECKSUMS: (s3) => s3.requestChecksums,
  S3_ETAG_IS_MD5: (s3) => String(s3.etagIsMd5)
}

export const S3_VARIABLES = Object.keys(S3_VALUES) as ReadonlyArray<S3Variable>

const declared = new Map<string, EnvVariable>(Object.values(s3Variables).map((v) => [v.name, v]))

/** The text the parser takes when the variable is unset, for these settings. */
const defaultTextOf = (variable: S3Variable, s3: S3Settings): string | undefined =>
  variable === "S3_REQUEST_CHECKSUMS"
    ? defaultRequestChecksums(s3.endpoint !== undefined)
    : declared.get(variable)?.default

/**
 * The S3 variables that reproduce these settings: the bucket, and every one whose value is not its declared
 * default. A secret stays `Redacted`: the caller refers to it without printing it.
 */
export const s3EnvironmentOf = (
  s3: S3Settings
): ReadonlyArray<readonly [S3Variable, string | Redacted.Redacted<string>]> =>
  S3_VARIABLES.flatMap((variable) => {
    const value = S3_VALUES[variable](s3)
    if (value === undefined || (typeof value === "string" && value === defaultTextOf(variable, s3))) return []
    return [[variable, value] as const]
  })
