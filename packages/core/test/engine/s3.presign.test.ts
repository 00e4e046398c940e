import { assert, describe, it } from "@effect/vitest"
import { s3Location } from "@immich-storage/core"
import { makeS3Engine, presignObjectUrl } from "@immich-storage/core/s3"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { failureOf } from "../failures.ts"
import { makeTestS3Engine, testS3Settings } from "./helpers.ts"

/** AWS's documented example: docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html */
const AWS_EXAMPLE = {
  credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
  signingDate: new Date("2013-05-24T00:00:00Z"),
  signature: "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
}

describe("presigned GET URLs", () => {
  it.effect("download the object from the S3 server, with the response headers asked for", () =>
    Effect.gen(function*() {
      const { engine, presigner, settings } = yield* makeTestS3Engine()
      const key = "upload/u/ab/cd/a photo ü+%.jpg"
      const bytes = Buffer.from("the original bytes")
      yield* engine.put(key, bytes)
      const url = yield* presigner.presignGet(key, {
        expiresInSeconds: 60,
        contentDisposition: "inline; filename*=UTF-8''a%20photo.jpg",
        contentType: "image/jpeg"
      })
      assert.isTrue(
        url.startsWith(
          `${settings.endpoint}/${settings.bucket}/${settings.prefix}/upload/u/ab/cd/a%20photo%20%C3%BC%2B%25.jpg?`
        ),
        url
      )
      const response = yield* Effect.promise(() => fetch(url))
      assert.strictEqual(response.status, 200)
      assert.deepStrictEqual(Buffer.from(yield* Effect.promise(() => response.arrayBuffer())), bytes)
      const query = new URL(url).searchParams
      assert.strictEqual(query.get("X-Amz-Expires"), "60")
      assert.strictEqual(query.get("X-Amz-SignedHeaders"), "host")
      assert.strictEqual(query.get("response-content-type"), "image/jpeg")
    }))

  it.effect("sign exactly as AWS documents, through the engine's own addressing", () =>
    Effect.gen(function*() {
      // GET examplebucket/test.txt, virtual-hosted on s3.amazonaws.com, valid 86400 s from 2013-05-24T00:00:00Z.
      const settings = testS3Settings("https://s3.amazonaws.com", "examplebucket", {
        prefix: "",
        forcePathStyle: false,
        credentials: {
          accessKeyId: AWS_EXAMPLE.credentials.accessKeyId,
          secretAccessKey: Redacted.make(AWS_EXAMPLE.credentials.secretAccessKey)
        }
      })
      // Nothing is sent: presigning is local work, so the engine is built without checking the bucket.
      const { presigner } = yield* makeS3Engine(s3Location("examplebucket", ""), settings)
      const url = new URL(
        yield* presigner.presignGet("test.txt", { expiresInSeconds: 86400, signingDate: AWS_EXAMPLE.signingDate })
      )
      assert.strictEqual(`${url.origin}${url.pathname}`, "https://examplebucket.s3.amazonaws.com/test.txt")
      assert.strictEqual(
        url.searchParams.get("X-Amz-Credential"),
        "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"
      )
      assert.strictEqual(url.searchParams.get("X-Amz-Signature"), AWS_EXAMPLE.signature)
    }))

  it.effect("sign the same from a bucket URL, a region and credentials alone", () =>
    Effect.gen(function*() {
      const url = new URL(
        yield* Effect.promise(() =>
          presignObjectUrl(
            { bucket: { origin: "https://examplebucket.s3.amazonaws.com", path: "" }, region: "us-east-1" },
            () => Promise.resolve(AWS_EXAMPLE.credentials),
            "test.txt",
            { expiresInSeconds: 86400, signingDate: AWS_EXAMPLE.signingDate }
          )
        )
      )
      assert.strictEqual(url.searchParams.get("X-Amz-Signature"), AWS_EXAMPLE.signature)
      // A session token (temporary credentials) travels in the URL and is signed.
      const withToken = new URL(
        yield* Effect.promise(() =>
          presignObjectUrl(
            { bucket: { origin: "http://127.0.0.1:9000", path: "/bucket" }, region: "us-east-1" },
            () => Promise.resolve({ accessKeyId: "a", secretAccessKey: "b", sessionToken: "tok en" }),
            "p/x y.jpg",
            { expiresInSeconds: 60 }
          )
        )
      )
      assert.strictEqual(withToken.pathname, "/bucket/p/x%20y.jpg")
      assert.strictEqual(withToken.searchParams.get("X-Amz-Security-Token"), "tok en")
    }))

  it.effect("refuse keys that could leave the location, and expiries SigV4 does not allow", () =>
    Effect.gen(function*() {
      const { presigner } = yield* makeTestS3Engine()
      const presign = presigner.presignGet
      assert.strictEqual(
        failureOf(yield* Effect.exit(presign("../other/x", { expiresInSeconds: 60 })))?._tag,
        "InvalidKey"
      )
      assert.strictEqual(
        failureOf(yield* Effect.exit(presign("upload/x", { expiresInSeconds: 8 * 24 * 3600 })))?._tag,
        "StorageFailure"
      )
    }))
})
