import * as Redacted from "effect/Redacted"
import { parseStorageEnv } from "./parseStorageEnv.ts"
import type { StorageEnv, StorageEnvVariable } from "./parseStorageEnv.ts"
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
  S3_REQUEST_CHECKSUMS: (s3) => s3.requestChecksums
}

export const S3_VARIABLES = Object.keys(S3_VALUES) as ReadonlyArray<S3Variable>

/** A value as text; the secret as a stand-in, since only whether it is set matters to the parser's decisions. */
const textOf = (value: EnvValue): string | undefined => (Redacted.isRedacted(value) ? "<secret>" : value)

const envOf = (s3: S3Settings, variables: ReadonlyArray<S3Variable>): StorageEnv => {
  const env: StorageEnv = { IMMICH_STORAGE_ENGINE: "s3" }
  for (const variable of variables) {
    const text = textOf(S3_VALUES[variable](s3))
    if (text !== undefined) env[variable] = text
  }
  return env
}

/** True when `env` parses to settings that write back exactly as `s3` does. */
const reproduces = (env: StorageEnv, s3: S3Settings): boolean => {
  const parsed = parseStorageEnv(env, "/")
  if (!parsed.ok || parsed.settings.engine !== "s3") return false
  const again = parsed.settings.s3
  return S3_VARIABLES.every((v) => textOf(S3_VALUES[v](again)) === textOf(S3_VALUES[v](s3)))
}

/**
 * The S3 variables that reproduce these settings: the bucket, and every one whose value is not the default
 * (defaults can depend on other variables: request checksums on the endpoint, so each is tried by
 * leaving it out and parsing again). A secret stays `Redacted`: the caller refers to it without printing it.
 */
export const s3EnvironmentOf = (
  s3: S3Settings
): ReadonlyArray<readonly [S3Variable, string | Redacted.Redacted<string>]> => {
  let kept = S3_VARIABLES.filter((v) => S3_VALUES[v](s3) !== undefined)
  for (const variable of kept) {
    const without = kept.filter((v) => v !== variable)
    if (variable !== "S3_BUCKET" && reproduces(envOf(s3, without), s3)) kept = without
  }
  return kept.map((variable) => [variable, S3_VALUES[variable](s3)!] as const)
}
