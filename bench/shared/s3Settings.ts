import type { S3Settings } from "@immich-storage/core"
import * as Redacted from "effect/Redacted"

/** The settings our side of every benchmark uses against the local S3 server. */
export const benchS3Settings = (endpoint: string, bucket: string, prefix: string): S3Settings => ({
  bucket,
  prefix,
  region: "us-east-1",
  endpoint,
  forcePathStyle: true,
  credentials: { accessKeyId: "bench", secretAccessKey: Redacted.make("bench") },
  useAccelerate: false,
  sse: undefined,
  requestChecksums: "when_required",
  etagIsMd5: true
})
