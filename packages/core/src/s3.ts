/**
 * The S3 engine, kept out of the main entry point so that a server on local disk never loads the
 * AWS SDK (about 35 MiB of memory).
 */
export * from "./engine/s3Client.ts"
export * from "./engine/S3Engine.ts"
export * from "./engine/presignGet.ts"
