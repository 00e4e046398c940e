import type { TestProject } from "vitest/node"
import { TEST_POSTGRES } from "./databases.ts"
import { requirePostgres } from "./prerequisites.ts"
import { startS3Server } from "./s3Server.ts"

declare module "vitest" {
  export interface ProvidedContext {
    s3Endpoint: string
  }
}

/** One real S3-compatible server for the whole run; each test makes its own bucket on it. */
export default async function setup(project: TestProject) {
  // Checked once, so that a machine without PostgreSQL gets one sentence saying so, not a raw ECONNREFUSED per test.
  await requirePostgres(TEST_POSTGRES)
  const server = await startS3Server()
  project.provide("s3Endpoint", server.endpoint)
  return () => server.stop()
}
