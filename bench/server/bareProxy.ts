/**
 * The simplest proxy there is, for comparison: Node's http server piping the SDK's GetObject body to the
 * response, nothing else (no auth, no database, no headers). Usage: bareProxy.ts <endpoint> <bucket>
 */
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import type { Readable } from "node:stream"

const [endpoint, bucket] = process.argv.slice(2) as [string, string]
const client = new S3Client({
  endpoint,
  region: "us-east-1",
  forcePathStyle: true,
  credentials: { accessKeyId: "b", secretAccessKey: "b" },
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED"
})
const server = http.createServer((request, response) => {
  client.send(new GetObjectCommand({ Bucket: bucket, Key: decodeURIComponent(request.url!.slice(1)) })).then(
    (object) => {
      response.writeHead(200, { "content-length": String(object.ContentLength) })
      ;(object.Body as Readable).pipe(response)
    },
    () => response.writeHead(404).end()
  )
})
server.listen(0, "127.0.0.1", () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`))
process.on("SIGTERM", () => process.exit(0))
