import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command
} from "@aws-sdk/client-s3"
import type { S3Client } from "@aws-sdk/client-s3"

const NOT_IN_XML = /[\u0000-\u0008\u000b-\u001f\ufffe\uffff]/

/** Empties and deletes one bucket: its objects, page by page, and its incomplete uploads. */
const removeBucket = async (client: S3Client, Bucket: string) => {
  for (let previousFirst: string | undefined;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket }))
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [o.Key]))
    if (keys.length === 0) break
    // The same first key twice means deletes that do nothing: fail rather than loop forever.
    if (keys[0] === previousFirst) throw new Error(`keys are not deleted: ${keys[0]}`)
    previousFirst = keys[0]
    // XML 1.0 cannot carry most control characters (and turns CR into LF): such keys go one by one.
    const plain = keys.filter((Key) => !NOT_IN_XML.test(Key)).map((Key) => ({ Key }))
    for (const Key of keys.filter((key) => NOT_IN_XML.test(key)))
      await client.send(new DeleteObjectCommand({ Bucket, Key }))
    if (plain.length > 0)
      await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: plain, Quiet: true } }))
  }
  const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket })).catch(() => undefined)
  for (const upload of uploads?.Uploads ?? []) {
    if (upload.Key === undefined || upload.UploadId === undefined) continue
    await client.send(new AbortMultipartUploadCommand({ Bucket, Key: upload.Key, UploadId: upload.UploadId }))
  }
  await client.send(new DeleteBucketCommand({ Bucket }))
}

/**
 * Deletes every bucket whose name starts with `prefix` (one run's buckets on an external server), with
 * what they hold. Returns those it could not delete, with why, so the run can say so.
 */
export const removeBucketsStartingWith = async (client: S3Client, prefix: string): Promise<ReadonlyArray<string>> => {
  const listed = await client.send(new ListBucketsCommand({}))
  const problems: Array<string> = []
  for (const bucket of listed.Buckets ?? []) {
    if (bucket.Name === undefined || !bucket.Name.startsWith(prefix)) continue
    const name = bucket.Name
    await removeBucket(client, name).catch((error: unknown) =>
      problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`)
    )
  }
  return problems
}
