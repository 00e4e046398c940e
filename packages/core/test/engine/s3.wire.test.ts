import { SignatureV4 } from "@smithy/signature-v4"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import fc from "fast-check"
import { createHash, createHmac } from "node:crypto"
import { inject } from "vitest"
import { sigV4Problem, startS3Proxy } from "@immich-storage/testkit"
import { decodeXmlText, parseErrorXml, parseListObjectsV2 } from "../../src/engine/s3/s3Xml.ts"
import { failureOf } from "../failures.ts"
import { chunked, makeTestS3Engine, MiB, randomData, readAll } from "./helpers.ts"

const verifyingProxy = (secretAccessKey: string) =>
  Effect.acquireRelease(
    Effect.promise(() => startS3Proxy(inject("s3Endpoint"), { verifySignatures: { secretAccessKey } })),
    (proxy) => Effect.promise(() => proxy.stop())
  )

/** How S3 escapes text in its XML answers. */
const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;")

describe("S3 XML answers (pure)", () => {
  it("reads back any key, size, date and token S3 could send", () => {
    const keyText = fc.string({ unit: fc.oneof(fc.constantFrom(..."&<>\"' /+%#ü😀"), fc.string({ unit: "binary", minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 40 })
      .filter((k) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(k) && !k.includes("\r"))
    const entry = fc.record({ key: keyText, size: fc.nat(), lastModified: fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }) })
    fc.assert(fc.property(fc.array(entry, { maxLength: 5 }), fc.option(keyText, { nil: undefined }), (entries, token) => {
      const contents = entries.map((e) =>
        `<Contents><Key>${escapeXml(e.key)}</Key><LastModified>${e.lastModified.toISOString()}</LastModified><ETag>&quot;abc&quot;</ETag><Size>${e.size}</Size><Owner><ID>x</ID></Owner><StorageClass>STANDARD</StorageClass></Contents>`
      ).join("")
      const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix></Prefix><KeyCount>${entries.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>${token !== undefined}</IsTruncated>${contents}${token === undefined ? "" : `<NextContinuationToken>${escapeXml(token)}</NextContinuationToken>`}</ListBucketResult>`
      const page = parseListObjectsV2(xml)
      assert.deepStrictEqual(page.objects.map((o) => ({ key: o.key, size: o.size, lastModified: o.lastModified })), entries)
      for (const object of page.objects) assert.strictEqual(object.etag, "\"abc\"")
      assert.strictEqual(page.nextContinuationToken, token)
    }))
  })

  it("decodes numeric character references and reads error documents", () => {
    assert.strictEqual(decodeXmlText("a&#13;b&#x1F600;c&amp;lt;"), "a\rb😀c&lt;")
    assert.deepStrictEqual(parseErrorXml("<Error><Code>NoSuchKey</Code><Message>The key &apos;x&apos; does not exist</Message></Error>"), {
      code: "NoSuchKey",
      message: "The key 'x' does not exist"
    })
  })
})

describe("SigV4 checker (testkit)", () => {
  const secret = "secret-key"
  const signed = async (body: Buffer) => {
    class Sha256 {
      private readonly hash
      constructor(key?: string | Uint8Array) {
        this.hash = key === undefined ? createHash("sha256") : createHmac("sha256", key)
      }
      update(data: Uint8Array) {
        this.hash.update(data)
      }
      digest() {
        return Promise.resolve(new Uint8Array(this.hash.digest()))
      }
      reset() {}
    }
    const signer = new SignatureV4({ service: "s3", region: "eu-west-1", credentials: { accessKeyId: "AK", secretAccessKey: secret }, sha256: Sha256 as never, uriEscapePath: false })
    const request = await signer.sign({
      method: "PUT",
      protocol: "http:",
      hostname: "127.0.0.1",
      port: 9000,
      path: "/b/a%20b/%C3%BC.jpg",
      query: { "x-id": "PutObject" },
      headers: { host: "127.0.0.1:9000", "content-type": "image/jpeg" },
      body
    })
    return { method: "PUT", url: "/b/a%20b/%C3%BC.jpg?x-id=PutObject", headers: request.headers, body }
  }

  it("accepts what the AWS SDK's signer signs, and catches a wrong secret, a changed body and a changed path", async () => {
    const request = await signed(Buffer.from("photo bytes"))
    assert.isUndefined(sigV4Problem(request, secret))
    assert.match(sigV4Problem(request, "other") ?? "", /signature does not match/)
    assert.match(sigV4Problem({ ...request, body: Buffer.from("photo bytez") }, secret) ?? "", /does not match the body/)
    assert.match(sigV4Problem({ ...request, url: "/b/a%20b/other.jpg?x-id=PutObject" }, secret) ?? "", /signature does not match/)
  })
})

describe("S3 engine requests, checked by an independent SigV4 verifier", () => {
  for (const variant of [
    { label: "plain", settings: {} },
    { label: "with SSE-KMS and CRC32 checksums", settings: { sse: { algorithm: "aws:kms", kmsKeyId: "key/1" }, requestChecksums: "when_supported" } }
  ] as const) {
    it.effect(`every request is correctly signed (${variant.label}): lean and SDK paths alike`, () =>
      Effect.gen(function*() {
        const proxy = yield* verifyingProxy("test")
        const { engine } = yield* makeTestS3Engine({ endpoint: proxy.endpoint, settings: variant.settings })
        const small = "upload/a b/ü+(1)!*'~.jpg"
        yield* engine.put(small, Buffer.from("small photo"), { contentType: "image/jpeg" })
        yield* engine.put("encoded-video/big.mp4", chunked(randomData(9 * MiB)))
        yield* engine.put("thumbs/t.webp", chunked(randomData(64 * 1024)))
        const listed = (yield* Stream.runCollect(engine.list(""))).map((info) => info.key).sort()
        assert.deepStrictEqual(listed, ["encoded-video/big.mp4", "thumbs/t.webp", small].sort())
        assert.strictEqual((yield* engine.stat(small)).size, 11)
        assert.strictEqual((yield* readAll((yield* engine.get(small)).stream)).toString(), "small photo")
        assert.strictEqual((yield* readAll((yield* engine.get(small, { start: 6, end: 10 })).stream)).toString(), "photo")
        yield* engine.copy(small, "upload/copy.jpg")
        yield* engine.delete([small, "upload/copy.jpg"])
        const methods = new Set(proxy.requests.map((r) => r.method))
        for (const method of ["HEAD", "PUT", "GET", "POST"]) assert.isTrue(methods.has(method), `${method} requests were checked`)
        assert.isAtLeast(proxy.requests.length, 12)
        assert.deepStrictEqual(proxy.requests.filter((r) => r.signatureProblem !== undefined).map((r) => `${r.method} ${r.url}: ${r.signatureProblem}`), [])
      }))
  }

  it.effect("a wrong secret is refused by the verifier and reported as AccessDenied", () =>
    Effect.gen(function*() {
      const proxy = yield* verifyingProxy("the-real-secret")
      const error = failureOf(yield* Effect.exit(
        makeTestS3Engine({ endpoint: proxy.endpoint, settings: { credentials: { accessKeyId: "test", secretAccessKey: Redacted.make("wrong") } } }).pipe(
          Effect.flatMap(({ checkBucket }) => checkBucket)
        )
      ))
      assert.strictEqual(error?._tag, "AccessDenied")
      assert.isDefined(proxy.requests[0]?.signatureProblem)
    }))
})
