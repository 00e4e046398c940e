export * from "./buckets.ts"
export * from "./s3Proxy.ts"
export * from "./s3Server.ts"
export * from "./tempDir.ts"
