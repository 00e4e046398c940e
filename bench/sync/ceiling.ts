/**
 * The S3 server's own ceiling for case (b): the raw AWS SDK uploading the same files as multipart
 * uploads, parts read straight from disk, 8 parts in flight, nothing else. No sync tool can beat it on
 * this server; it shows how much of (b) is the server.
 * Usage: node bench/sync/ceiling.ts <endpoint> <bucket> <folder>
 */
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  S3Client,
  UploadPartCommand
} from "@aws-sdk/client-s3"
import * as fs from "node:fs/promises"
import * as path from "node:path"

const [endpoint, bucket, folder] = process.argv.slice(2) as [string, string, string]
const PART = 8 * 1024 * 1024
const IN_FLIGHT = 8
const client = new S3Client({
  endpoint,
  region: "us-east-1",
  forcePathStyle: true,
  credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
  requestChecksumCalculation: "WHEN_REQUIRED"
})
const files = (await fs.readdir(folder, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) =>
  path.join(e.parentPath, e.name)
)

const started = process.hrtime.bigint()
const jobs: Array<() => Promise<void>> = []
const uploads = await Promise.all(files.map(async (file) => {
  const Key = `ceiling/${path.relative(folder, file)}`
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }))
  const size = (await fs.stat(file)).size
  const parts: Array<{ PartNumber: number; ETag: string | undefined }> = []
  for (let offset = 0, PartNumber = 1; offset < size; offset += PART, PartNumber++) {
    const [start, number] = [offset, PartNumber]
    jobs.push(async () => {
      const handle = await fs.open(file)
      const body = Buffer.alloc(Math.min(PART, size - start))
      await handle.read(body, 0, body.length, start)
      await handle.close()
      const { ETag } = await client.send(
        new UploadPartCommand({ Bucket: bucket, Key, UploadId, PartNumber: number, Body: body })
      )
      parts.push({ PartNumber: number, ETag })
    })
  }
  return { Key, UploadId, parts }
}))
let next = 0
await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
  while (next < jobs.length) await jobs[next++]!()
}))
await Promise.all(
  uploads.map(({ Key, UploadId, parts }) =>
    client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: parts.sort((a, b) => a.PartNumber - b.PartNumber) }
      })
    )
  )
)
client.destroy()
console.log(JSON.stringify({ seconds: Number(process.hrtime.bigint() - started) / 1e9 }))
