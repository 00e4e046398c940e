import { ListBucketsCommand } from "@aws-sdk/client-s3"
import { S3Client } from "@aws-sdk/client-s3"
import { REPO_ROOT, s3TargetFromEnv, startS3Proxy, startS3Server } from "@immich-storage/testkit"
import { spawn } from "node:child_process"
import * as path from "node:path"
import { describe, expect, it } from "vitest"

describe("TEST_S3_* (the suite against your own S3 server)", () => {
  it("uses the test server by default, and names the variable to fix when one is missing or wrong", () => {
    expect(s3TargetFromEnv({})).toMatchObject({ endpoint: undefined, region: "us-east-1" })
    const keys = { TEST_S3_ACCESS_KEY_ID: "k", TEST_S3_SECRET_ACCESS_KEY: "s" }
    expect(s3TargetFromEnv(keys)).toMatch(/TEST_S3_ENDPOINT is not/)
    expect(s3TargetFromEnv({ TEST_S3_ENDPOINT: "http://127.0.0.1:9" })).toMatch(/set TEST_S3_ACCESS_KEY_ID and/)
    expect(s3TargetFromEnv({ TEST_S3_ENDPOINT: "minio:9000", ...keys })).toMatch(/TEST_S3_ENDPOINT must be/)
    expect(s3TargetFromEnv({ TEST_S3_ENDPOINT: "http://h:1", ...keys, TEST_S3_FORCE_PATH_STYLE: "yes" }))
      .toMatch(/TEST_S3_FORCE_PATH_STYLE must be true or false/)
    expect(s3TargetFromEnv({
      TEST_S3_ENDPOINT: "https://s3.example.org/",
      TEST_S3_ACCESS_KEY_ID: "k",
      TEST_S3_SECRET_ACCESS_KEY: "s",
      TEST_S3_REGION: "eu-central-1",
      TEST_S3_FORCE_PATH_STYLE: "false",
      TEST_S3_BUCKET_PREFIX: "mine"
    })).toEqual({
      endpoint: "https://s3.example.org",
      credentials: { accessKeyId: "k", secretAccessKey: "s" },
      region: "eu-central-1",
      forcePathStyle: false,
      bucketPrefix: "mine"
    })
  })

  it("runs the engine contract on the server TEST_S3_ENDPOINT names, with its keys; deletes its buckets", async () => {
    // "Your own server": a second test server, behind a recording proxy, so the test sees what reached it.
    const server = await startS3Server()
    const proxy = await startS3Proxy(server.endpoint)
    try {
      const ours = /^(VITEST|TEST_S3_|S3_|IMMICH_)/
      const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !ours.test(name)))
      const vitest = path.join(REPO_ROOT, "node_modules/vitest/vitest.mjs")
      const child = spawn(process.execPath, [vitest, "run", "packages/core/test/engine/s3.contract.test.ts"], {
        cwd: REPO_ROOT,
        env: {
          ...env,
          TEST_S3_ENDPOINT: proxy.endpoint,
          TEST_S3_ACCESS_KEY_ID: "my-key",
          TEST_S3_SECRET_ACCESS_KEY: "my-secret",
          TEST_S3_BUCKET_PREFIX: "mine"
        }
      })
      let output = ""
      child.stdout.on("data", (d) => (output += d))
      child.stderr.on("data", (d) => (output += d))
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve))
      expect(code, output).toBe(0)
      // CreateBucket: a PUT of the bucket's path alone.
      const created = proxy.requests.filter((r) => r.method === "PUT" && /^\/[^/?]+\/?$/.test(r.url))
        .map((r) => r.url.slice(1).replace(/\/$/, ""))
      expect(created.length).toBeGreaterThan(0)
      for (const bucket of created) expect(bucket).toMatch(/^mine-[0-9a-f]{6}-test-[0-9a-f]{10}$/)
      // Every request was signed with the given key.
      expect(proxy.requests.every((r) => String(r.headers.authorization).includes("Credential=my-key/"))).toBe(true)
      const credentials = { accessKeyId: "k", secretAccessKey: "s" }
      const client = new S3Client({ endpoint: server.endpoint, region: "us-east-1", forcePathStyle: true, credentials })
      const left = await client.send(new ListBucketsCommand({}))
      client.destroy()
      expect((left.Buckets ?? []).map((b) => b.Name).filter((name) => name?.startsWith("mine-"))).toEqual([])
    } finally {
      await proxy.stop()
      await server.stop()
    }
  }, 120_000)
})
