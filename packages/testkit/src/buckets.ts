import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3"
import { randomBytes } from "node:crypto"
import { s3Target } from "./s3Target.ts"

/** A plain SDK client for `endpoint`, with the run's keys, region and addressing (see `s3Target`). */
export const rawS3Client = (endpoint: string): S3Client => {
  const target = s3Target()
  return new S3Client({
    endpoint,
    region: target.region,
    forcePathStyle: target.forcePathStyle,
    credentials: target.credentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED"
  })
}

export const uniqueName = (stem: string): string => `${stem}-${randomBytes(5).toString("hex")}`

/** Set by `globalSetup` for an external server: the buckets of this run start with it, so its teardown finds them. */
export const RUN_BUCKET_PREFIX_VARIABLE = "IMMICH_STORAGE_TEST_RUN_BUCKETS"

/** Creates a fresh bucket, so tests never share state. */
export const createTestBucket = async (endpoint: string, stem = "test"): Promise<string> => {
  const run = process.env[RUN_BUCKET_PREFIX_VARIABLE]
  const bucket = uniqueName(run === undefined ? stem : `${run}-${stem}`)
  const client = rawS3Client(endpoint)
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }))
  } finally {
    client.destroy()
  }
  return bucket
}

/** The S3_* variables that point our apps at the test server (or the external one), with the run's keys. */
export const s3TestEnv = (endpoint: string, bucket?: string, prefix?: string): Record<string, string> => {
  const target = s3Target()
  return {
    S3_ENDPOINT: endpoint,
    S3_FORCE_PATH_STYLE: String(target.forcePathStyle),
    ...(target.region === "us-east-1" ? {} : { S3_REGION: target.region }),
    S3_ACCESS_KEY_ID: target.credentials.accessKeyId,
    S3_SECRET_ACCESS_KEY: target.credentials.secretAccessKey,
    ...(bucket === undefined ? {} : { S3_BUCKET: bucket }),
    ...(prefix === undefined ? {} : { S3_PREFIX: prefix })
  }
}
