/**
 * The S3 engine, kept out of the main entry point so that a server on local disk never loads it. The
 * AWS SDK itself is loaded later still, by the engine, when a request first needs it.
 */
export * from "./engine/s3/s3Digests.ts"
export * from "./engine/s3/S3Engine.ts"
export * from "./engine/s3/s3Presign.ts"
export * from "./s3check/runS3Check.ts"
