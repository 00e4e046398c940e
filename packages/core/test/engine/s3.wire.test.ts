import { assert, describe, it } from "@effect/vitest"
import { sigV4Problem, startS3Proxy } from "@immich-storage/testkit"
import { SignatureV4 } from "@smithy/signature-v4"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import fc from "fast-check"
import { createHash, createHmac } from "node:crypto"
import { inject } from "vitest"
import { parseListObjectsV2 } from "../../src/engine/s3/s3ListPage.ts"
import { decodeXmlText, parseErrorXml } from "../../src/engine/s3/s3Xml.ts"
import { failureOf } from "../failures.ts"
import { chunked, makeTestS3Engine, MiB, randomData, readAll } from "./helpers.ts"

const verifyingProxy = (secretAccessKey: string) =>
  Effect.acquireRelease(
    Effect.promise(() => startS3Proxy(inject("s3Endpoint"), { verifySignatures: { secretAccessKey } })),
    (proxy) => Effect.promise(() => proxy.stop())
  )

/** How S3 escapes text in its XML answers. */
const escapeXml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(
    /'/g,
    "&apos;"
  )

/**
 * The decoder as it was first written, one regular expression: the loop that replaced it must agree (but for a
 * reference past U+10FFFF, which threw and is now left as text).
 */
const referenceDecode = (text: string) =>
  text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (match, entity: string) => {
    const code = entity.startsWith("#x")
      ? Number.parseInt(entity.slice(2), 16)
      : entity.startsWith("#")
      ? Number.parseInt(entity.slice(1), 10)
      : undefined
    if (code === undefined)
      return ({ amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'" } as Record<string, string>)[entity]!
    return code > 0x10ffff ? match : String.fromCodePoint(code)
  })

/** A page of one object whose elements hold the given texts, as they travel (already escaped). */
const onePage = (fields: { lastModified?: string; size?: string; etag?: string }) =>
  `<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key>` +
  (fields.lastModified === undefined ? "" : `<LastModified>${fields.lastModified}</LastModified>`) +
  (fields.etag === undefined ? "" : `<ETag>${fields.etag}</ETag>`) +
  (fields.size === undefined ? "" : `<Size>${fields.size}</Size>`) + `</Contents></ListBucketResult>`

describe("S3 XML answers (pure)", () => {
  it("decodes text exactly as the regular expression it replaced", () => {
    const text = fc.string({
      unit: fc.oneof(
        fc.constantFrom("&", ";", "#", "x", "amp", "quot", "lt", "gt", "apos", "1", "F", "a", "10FFFF", "110000"),
        fc.string({ minLength: 1, maxLength: 1 })
      ),
      maxLength: 30
    })
    fc.assert(fc.property(text, (t) => assert.strictEqual(decodeXmlText(t), referenceDecode(t))))
  })

  it("decodes a key however the server escaped it: named entities, decimal or hex references", () => {
    const escapeChar = (char: string, how: number) => {
      const code = char.codePointAt(0)!
      if (how === 1) return `&#${code};`
      if (how === 2) return `&#x${code.toString(16)};`
      return escapeXml(char)
    }
    const escaped = fc.array(fc.tuple(fc.constantFrom(..."&<>\"'aé😀/ "), fc.integer({ min: 0, max: 2 })), {
      minLength: 1,
      maxLength: 12
    })
    fc.assert(fc.property(escaped, (chars) => {
      const key = chars.map(([char]) => char).join("")
      const xml = `<ListBucketResult><Contents><Key>${chars.map(([c, how]) => escapeChar(c, how)).join("")}</Key>` +
        `<Size>1</Size></Contents></ListBucketResult>`
      assert.strictEqual(parseListObjectsV2(xml).objects[0]?.key, key)
    }))
  })

  it("reads S3's timestamps from their digits, and any other form as Date parses it", () => {
    const times = [
      "2026-11-01T10:00:00.000Z",
      "2026-11-01T10:00:00Z",
      "2026-02-31T23:59:59.999Z",
      "2026-11-01T10:00:00.5Z",
      "2026-11-01T11:00:00.000+01:00",
      "2026-11-01T24:00:00.000Z",
      "2026-13-01T10:00:00.000Z",
      "0050-01-01T10:00:00.000Z",
      "Sun, 01 Nov 2026 10:00:00 GMT"
    ]
    for (const text of times) {
      const [object] = parseListObjectsV2(onePage({ lastModified: text })).objects
      assert.deepStrictEqual(object?.lastModified.getTime(), new Date(text).getTime(), text)
    }
    assert.strictEqual(parseListObjectsV2(onePage({})).objects[0]?.lastModified.getTime(), 0)
  })

  it("reads sizes from their digits and ETags with their entities, absent or not", () => {
    const read = (fields: Parameters<typeof onePage>[0]) => parseListObjectsV2(onePage(fields)).objects[0]
    assert.deepStrictEqual(read({ size: "9007199254740991", etag: "&quot;a&amp;b&quot;" }), {
      key: "k",
      size: 9007199254740991,
      lastModified: new Date(0),
      etag: "\"a&b\""
    })
    assert.strictEqual(
      read({ etag: "&#34;d41d8cd98f00b204e9800998ecf8427e&#x22;" })?.etag,
      "\"d41d8cd98f00b204e9800998ecf8427e\""
    )
    const mixed = "&#233;&#x1F600;&lt;&#99999;x&#;&&#x41;"
    assert.strictEqual(read({ etag: mixed })?.etag, referenceDecode(mixed))
    assert.strictEqual(read({ size: " 12 " })?.size, 12)
    assert.strictEqual(read({ size: "" })?.size, 0)
    assert.strictEqual(read({})?.size, 0)
    assert.strictEqual(read({})?.etag, undefined)
  })

  it("reads back any key, size, date and token S3 could send, URL-encoded or not", () => {
    const keyText = fc.string({
      unit: fc.oneof(
        fc.constantFrom(..."&<>\"' /+%#ü😀\u0001\u0007\n\r\t\u007f"),
        fc.string({ unit: "binary", minLength: 1, maxLength: 1 })
      ),
      minLength: 1,
      maxLength: 40
    })
    const entry = fc.record({
      key: keyText,
      size: fc.nat(),
      lastModified: fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true })
    })
    const page = (
      entries: ReadonlyArray<{ key: string; size: number; lastModified: Date }>,
      token: string | undefined,
      encoded: boolean
    ) => {
      // With encoding-type=url, S3 escapes keys as a query string does (a space as "+"): any character can then
      // travel in XML.
      const keyXml = (key: string) => escapeXml(encoded ? encodeURIComponent(key).replace(/%20/g, "+") : key)
      const contents = entries.map((e) =>
        `<Contents><Key>${keyXml(e.key)}</Key><LastModified>${e.lastModified.toISOString()}</LastModified>` +
        `<ETag>&quot;abc&quot;</ETag><Size>${e.size}</Size><Owner><ID>x</ID></Owner>` +
        "<StorageClass>STANDARD</StorageClass></Contents>"
      ).join("")
      const encodingType = encoded ? "<EncodingType>url</EncodingType>" : ""
      const next = token === undefined ? "" : `<NextContinuationToken>${escapeXml(token)}</NextContinuationToken>`
      return `<?xml version="1.0" encoding="UTF-8"?>\n` +
        `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix></Prefix>` +
        `<KeyCount>${entries.length}</KeyCount><MaxKeys>1000</MaxKeys>${encodingType}` +
        `<IsTruncated>${token !== undefined}</IsTruncated>${contents}${next}</ListBucketResult>`
    }
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 5 }),
        fc.option(keyText, { nil: undefined }),
        fc.boolean(),
        (entries, token, encoded) => {
          const parsed = parseListObjectsV2(page(entries, token, encoded))
          assert.deepStrictEqual(
            parsed.objects.map((o) => ({ key: o.key, size: o.size, lastModified: o.lastModified })),
            entries
          )
          for (const object of parsed.objects) assert.strictEqual(object.etag, "\"abc\"")
          // Continuation tokens are opaque and never URL-encoded.
          assert.strictEqual(parsed.nextContinuationToken, token)
        }
      )
    )
  })

  it("decodes a URL-encoded listing in AWS's format: a space as +, a literal + as %2B, control characters escaped", () => {
    // Written after AWS's documented ListObjectsV2 answer with encoding-type=url (not recorded: no AWS access
    // here, and the test server ignores encoding-type). botocore and rclone decode "+" as a space the same way.
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>examplebucket</Name><Prefix>library%2F</Prefix><KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated><Contents><Key>library/a+photo+%2B1.jpg</Key><LastModified>2026-11-01T10:00:00.000Z</LastModified><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>10</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><Key>library/bell%07%0Aline.txt</Key><LastModified>2026-11-01T10:00:01.000Z</LastModified><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>11</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><Key>library/%C3%BC%25%26.heic</Key><LastModified>2026-11-01T10:00:02.000Z</LastModified><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>12</Size><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>`
    assert.deepStrictEqual(parseListObjectsV2(xml).objects.map((o) => o.key), [
      "library/a photo +1.jpg",
      "library/bell\u0007\nline.txt",
      "library/ü%&.heic"
    ])
    // A key that is no valid escaping is dropped, never listed under a wrong name.
    assert.deepStrictEqual(parseListObjectsV2(xml.replace("%C3%BC", "%C3")).objects.length, 2)
    // Without <EncodingType>, the same text is taken as it is.
    assert.strictEqual(
      parseListObjectsV2(xml.replace("<EncodingType>url</EncodingType>", "")).objects[0]?.key,
      "library/a+photo+%2B1.jpg"
    )
  })

  it("decodes numeric character references and reads error documents", () => {
    assert.strictEqual(decodeXmlText("a&#13;b&#x1F600;c&amp;lt;"), "a\rb😀c&lt;")
    assert.strictEqual(decodeXmlText("&constructor;&toString;&;&#;&#x;&&amp;"), "&constructor;&toString;&;&#;&#x;&&")
    assert.strictEqual(decodeXmlText("a&#x110000;b&#99999999999;c"), "a&#x110000;b&#99999999999;c")
    assert.deepStrictEqual(
      parseErrorXml("<Error><Code>NoSuchKey</Code><Message>The key &apos;x&apos; does not exist</Message></Error>"),
      {
        code: "NoSuchKey",
        message: "The key 'x' does not exist"
      }
    )
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
    const signer = new SignatureV4({
      service: "s3",
      region: "eu-west-1",
      credentials: { accessKeyId: "AK", secretAccessKey: secret },
      sha256: Sha256 as never,
      uriEscapePath: false
    })
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
    assert.match(
      sigV4Problem({ ...request, body: Buffer.from("photo bytez") }, secret) ?? "",
      /does not match the body/
    )
    assert.match(
      sigV4Problem({ ...request, url: "/b/a%20b/other.jpg?x-id=PutObject" }, secret) ?? "",
      /signature does not match/
    )
  })
})

describe("S3 engine requests, checked by an independent SigV4 verifier", () => {
  for (
    const variant of [
      { label: "plain", settings: {} },
      {
        label: "with SSE-KMS and CRC32 checksums",
        settings: { sse: { algorithm: "aws:kms", kmsKeyId: "key/1" }, requestChecksums: "when_supported" }
      }
    ] as const
  ) {
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
        assert.strictEqual(
          (yield* readAll((yield* engine.get(small, { start: 6, end: 10 })).stream)).toString(),
          "photo"
        )
        yield* engine.copy(small, "upload/copy.jpg")
        yield* engine.delete([small, "upload/copy.jpg"])
        const methods = new Set(proxy.requests.map((r) => r.method))
        for (const method of ["HEAD", "PUT", "GET", "POST"])
          assert.isTrue(methods.has(method), `${method} requests were checked`)
        assert.isAtLeast(proxy.requests.length, 12)
        assert.deepStrictEqual(
          proxy.requests.filter((r) => r.signatureProblem !== undefined).map((r) =>
            `${r.method} ${r.url}: ${r.signatureProblem}`
          ),
          []
        )
      }))
  }

  it.effect("a wrong secret is refused by the verifier and reported as AccessDenied", () =>
    Effect.gen(function*() {
      const proxy = yield* verifyingProxy("the-real-secret")
      const error = failureOf(
        yield* Effect.exit(
          makeTestS3Engine({
            endpoint: proxy.endpoint,
            settings: { credentials: { accessKeyId: "test", secretAccessKey: Redacted.make("wrong") } }
          }).pipe(
            Effect.flatMap(({ checkBucket }) => checkBucket)
          )
        )
      )
      assert.strictEqual(error?._tag, "AccessDenied")
      assert.isDefined(proxy.requests[0]?.signatureProblem)
    }))
})
