import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3"
import { randomBytes } from "node:crypto"
import type { S3Settings } from "@immich-storage/core"

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
