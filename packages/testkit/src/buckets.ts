import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3"
import { randomBytes } from "node:crypto"

export const TEST_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" } as const

export const rawS3Client = (endpoint: string): S3Client =>
  new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: TEST_CREDENTIALS,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED"
  })

export const uniqueName = (stem: string): string => `${stem}-${randomBytes(5).toString("hex")}`

/** Creates a fresh bucket on the test server, so tests never share state. */
export const createTestBucket = async (endpoint: string, stem = "test"): Promise<string> => {
  const bucket = uniqueName(stem)
  const client = rawS3Client(endpoint)
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }))
  } finally {
    client.destroy()
  }
  return bucket
}

/** The S3_* variables that point our apps at the test server (path style, test credentials). */
export const s3TestEnv = (endpoint: string, bucket?: string, prefix?: string): Record<string, string> => ({
  S3_ENDPOINT: endpoint,
  S3_FORCE_PATH_STYLE: "true",
  S3_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  S3_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
  ...(bucket === undefined ? {} : { S3_BUCKET: bucket }),
  ...(prefix === undefined ? {} : { S3_PREFIX: prefix })
})
