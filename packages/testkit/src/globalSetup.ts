import type { TestProject } from "vitest/node"
import { startS3Server } from "./s3Server.ts"

declare module "vitest" {
  export interface ProvidedContext {
    s3Endpoint: string
  }
}

/** One real S3-compatible server for the whole run; each test makes its own bucket on it. */
export default async function setup(project: TestProject) {
  const server = await startS3Server()
  project.provide("s3Endpoint", server.endpoint)
  return () => server.stop()
}
