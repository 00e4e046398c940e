import { S3Client } from "@aws-sdk/client-s3"
import fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import { bucketUrlOf, customEndpointBucketUrl, objectPath } from "../../src/engine/s3/s3Endpoint.ts"

// The SDK's own resolver is the reference: what it answers for a custom endpoint, ours must too.
const sdk = new S3Client({ region: "us-east-1" })
afterAll(() => sdk.destroy())
/**
 * Undefined where the SDK has no answer: names it refuses (our configuration check refuses them first),
 * and dotted names on an IP host over http, where it builds an invalid URL (we use path style there).
 */
const resolvedBySdk = async (endpoint: string, bucket: string, forcePathStyle: boolean) => {
  if (!forcePathStyle && bucket.includes(".") && /^http:\/\/(\[|\d)/.test(endpoint)) return undefined
  const resolved = await sdk.config.endpointProvider({
    Bucket: bucket,
    Region: "us-east-1",
    Endpoint: endpoint,
    ForcePathStyle: forcePathStyle,
    Accelerate: false,
    UseFIPS: false,
    UseDualStack: false
  })
  return bucketUrlOf(resolved.url)
}
const sdkAnswer = (endpoint: string, bucket: string, forcePathStyle: boolean) =>
  resolvedBySdk(endpoint, bucket, forcePathStyle).catch(() => undefined)

const ENDPOINTS = [
  "http://127.0.0.1:9000",
  "http://localhost:9000",
  "https://minio.example.com",
  "https://s3.example.com:8443/base",
  "https://s3.example.com/deep/base/",
  "http://[::1]:9000",
  "http://10.0.0.7"
]

describe("custom endpoint addressing (differential against the AWS SDK's resolver)", () => {
  it("agrees on hand-picked buckets", async () => {
    let compared = 0
    for (const endpoint of ENDPOINTS) {
      for (
        const bucket of [
          "photos",
          "my-photos-2026",
          "b.with.dots",
          "ab",
          "Upper",
          "a--b",
          "192.168.1.1",
          "x".repeat(63),
          "abc.def",
          "my.photos.bucket",
          "abc.de"
        ]
      ) {
        for (const forcePathStyle of [true, false]) {
          const expected = await sdkAnswer(endpoint, bucket, forcePathStyle)
          if (expected === undefined) continue
          expect(customEndpointBucketUrl(endpoint, bucket, forcePathStyle), `${endpoint} ${bucket} ${forcePathStyle}`)
            .toEqual(expected)
          compared++
        }
      }
    }
    expect(compared).toBeGreaterThan(120)
  })

  it("agrees on random bucket names", async () => {
    const label = fc.string({ unit: fc.constantFrom(..."abcxyz0129-A_"), minLength: 1, maxLength: 8 })
    const bucketName = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join("."))
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ENDPOINTS),
        bucketName,
        fc.boolean(),
        async (endpoint, bucket, forcePathStyle) => {
          const expected = await sdkAnswer(endpoint, bucket, forcePathStyle)
          if (expected !== undefined)
            expect(customEndpointBucketUrl(endpoint, bucket, forcePathStyle)).toEqual(
              expected
            )
        }
      ),
      { numRuns: 300 }
    )
  })

  it("escapes every key segment and keeps the slashes", () => {
    expect(objectPath({ origin: "http://h", path: "/b" }, "upload/a b/ü+x(1)!*.jpg")).toBe(
      "/b/upload/a%20b/%C3%BC%2Bx%281%29%21%2A.jpg"
    )
    expect(objectPath({ origin: "http://b.h", path: "" }, "k")).toBe("/k")
  })
})
