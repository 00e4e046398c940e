import { randomBytes } from "node:crypto"
import type { TestProject } from "vitest/node"
import { rawS3Client, RUN_BUCKET_PREFIX_VARIABLE } from "./buckets.ts"
import { TEST_POSTGRES } from "./databases.ts"
import { removeBucketsStartingWith } from "./externalBuckets.ts"
import { requirePostgres } from "./prerequisites.ts"
import { startS3Server } from "./s3Server.ts"
import { s3Target } from "./s3Target.ts"

declare module "vitest" {
  export interface ProvidedContext {
    s3Endpoint: string
  }
}

/**
 * One real S3-compatible server for the whole run; each test makes its own bucket on it. With
 * `TEST_S3_ENDPOINT` (see `s3Target`) that server is the user's own, and this run's buckets are deleted at the end.
 */
export default async function setup(project: TestProject) {
  // Checked once, so that a machine without PostgreSQL gets one sentence saying so, not a raw ECONNREFUSED per test.
  await requirePostgres(TEST_POSTGRES)
  const target = s3Target()
  if (target.endpoint === undefined) {
    const server = await startS3Server()
    project.provide("s3Endpoint", server.endpoint)
    return () => server.stop()
  }
  const { endpoint } = target
  // Test workers inherit the environment: their buckets carry this run's mark.
  const run = `${target.bucketPrefix}-${randomBytes(3).toString("hex")}`
  process.env[RUN_BUCKET_PREFIX_VARIABLE] = run
  project.provide("s3Endpoint", endpoint)
  return async () => {
    const client = rawS3Client(endpoint)
    try {
      const problems = await removeBucketsStartingWith(client, `${run}-`)
      if (problems.length > 0) {
        console.error(`Could not delete these test buckets on ${endpoint}; delete by hand:\n${problems.join("\n")}`)
      }
    } finally {
      client.destroy()
    }
  }
}
