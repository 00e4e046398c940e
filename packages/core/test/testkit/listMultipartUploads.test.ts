import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand
} from "@aws-sdk/client-s3"
import type { ListMultipartUploadsCommandInput } from "@aws-sdk/client-s3"
import { createTestBucket, listUploadsPage, rawS3Client } from "@immich-storage/testkit"
import type { UploadEntry } from "@immich-storage/testkit"
import * as fc from "fast-check"
import { describe, expect, inject, it } from "vitest"

/** Every page, following the Next markers as the SDK's users do. */
const listAll = async (client: ReturnType<typeof rawS3Client>, input: ListMultipartUploadsCommandInput) => {
  const pages = []
  let KeyMarker: string | undefined
  let UploadIdMarker: string | undefined
  do {
    const markers = {
      ...(KeyMarker === undefined ? {} : { KeyMarker }),
      ...(UploadIdMarker === undefined ? {} : { UploadIdMarker })
    }
    const page = await client.send(new ListMultipartUploadsCommand({ ...input, ...markers }))
    pages.push(page)
    KeyMarker = page.IsTruncated === true ? page.NextKeyMarker : undefined
    UploadIdMarker = page.IsTruncated === true ? page.NextUploadIdMarker : undefined
  } while (KeyMarker !== undefined)
  return pages
}

describe("the test S3 server's ListMultipartUploads", () => {
  it("lists open uploads (not objects) by prefix, page by page, with Initiated dates, parsed by the SDK", async () => {
    const endpoint = inject("s3Endpoint")
    const Bucket = await createTestBucket(endpoint)
    const client = rawS3Client(endpoint)
    const before = Date.now() - 1000
    // An object, which a listing of uploads must never show (fauxqs alone answered with the objects).
    await client.send(new PutObjectCommand({ Bucket, Key: "p/object.jpg", Body: "x" }))
    const keys = ["p/a.jpg", "p/a.jpg", "p/b/c.jpg", "p/é.jpg", "p2/d.jpg", "q.jpg"]
    const ids: Array<string> = []
    for (const Key of keys) ids.push((await client.send(new CreateMultipartUploadCommand({ Bucket, Key }))).UploadId!)
    await client.send(new AbortMultipartUploadCommand({ Bucket, Key: "q.jpg", UploadId: ids[5]! }))

    const pages = await listAll(client, { Bucket, Prefix: "p/", MaxUploads: 2 })
    expect(pages.map((p) => p.Uploads?.length ?? 0)).toEqual([2, 2])
    const uploads = pages.flatMap((p) => p.Uploads ?? [])
    expect(uploads.map((u) => u.Key)).toEqual(["p/a.jpg", "p/a.jpg", "p/b/c.jpg", "p/é.jpg"])
    expect(new Set(uploads.map((u) => u.UploadId))).toEqual(new Set(ids.slice(0, 4)))
    for (const u of uploads) {
      expect(u.Initiated).toBeInstanceOf(Date)
      expect(u.Initiated!.getTime()).toBeGreaterThanOrEqual(before)
      expect(u.Initiated!.getTime()).toBeLessThanOrEqual(Date.now() + 1000)
    }
    // The two uploads of one key are split across pages by the upload-id marker, and none is lost.
    expect(pages[0]!.NextKeyMarker).toBe("p/a.jpg")
    expect(pages[0]!.NextUploadIdMarker).toBe(uploads[1]!.UploadId)

    const all = (await listAll(client, { Bucket })).flatMap((p) => p.Uploads ?? []).map((u) => u.Key)
    expect(all).toEqual(["p/a.jpg", "p/a.jpg", "p/b/c.jpg", "p/é.jpg", "p2/d.jpg"])

    const grouped = await client.send(new ListMultipartUploadsCommand({ Bucket, Prefix: "p/", Delimiter: "/" }))
    expect(grouped.CommonPrefixes?.map((c) => c.Prefix)).toEqual(["p/b/"])
    expect(grouped.Uploads?.map((u) => u.Key)).toEqual(["p/a.jpg", "p/a.jpg", "p/é.jpg"])
    // Object listings are still answered as before.
    const objects = await client.send(new ListObjectsV2Command({ Bucket }))
    expect(objects.Contents?.map((o) => o.Key)).toEqual(["p/object.jpg"])
    const missing = client.send(new ListMultipartUploadsCommand({ Bucket: "no-such-bucket-here" }))
    await expect(missing).rejects.toThrow(/NoSuchBucket|does not exist/)
    client.destroy()
  })

  it("pages through any set of uploads without losing or repeating one, whatever the page size", () => {
    const entry = fc.record({
      key: fc.stringMatching(/^[ab/é]{1,4}$/),
      uploadId: fc.uuid(),
      initiated: fc.integer({ min: 0, max: 5 }).map((n) => new Date(n * 1000))
    })
    const uploadSets = fc.uniqueArray(entry, { selector: (e) => e.uploadId, maxLength: 12 })
    fc.assert(fc.property(uploadSets, fc.integer({ min: 1, max: 5 }), (uploads: Array<UploadEntry>, maxUploads) => {
      const seen: Array<string> = []
      let keyMarker: string | undefined
      let uploadIdMarker: string | undefined
      for (let round = 0; round < 100; round++) {
        const query = { prefix: "", delimiter: undefined, keyMarker, uploadIdMarker, maxUploads }
        const page = listUploadsPage(uploads, query)
        expect(page.uploads.length).toBeLessThanOrEqual(maxUploads)
        seen.push(...page.uploads.map((u) => u.uploadId))
        if (!page.isTruncated) break
        keyMarker = page.nextKeyMarker
        uploadIdMarker = page.nextUploadIdMarker
      }
      expect([...seen].sort()).toEqual(uploads.map((u) => u.uploadId).sort())
    }))
  })
})
