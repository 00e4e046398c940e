/**
 * One benchmark case, run in its own process so its peak RSS is its own:
 *   case.ts <case> <file-or-dir> [endpoint bucket key]
 * Prints {"seconds": n} on its last line.
 */
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3"
import { Upload } from "@aws-sdk/lib-storage"
import * as NodeStream from "@effect/platform-node/NodeStream"
import { Effect, Redacted, Stream } from "effect"
import { createReadStream, createWriteStream } from "node:fs"
import { mkdir, open } from "node:fs/promises"
import * as path from "node:path"
import { pipeline } from "node:stream/promises"
import type { Readable } from "node:stream"
import { localLocation, makeLocalEngine, s3Location } from "@immich-storage/core"
import type { S3Settings } from "@immich-storage/core"
import { makeS3Client, makeS3Engine, S3_DEFAULTS } from "@immich-storage/core/s3"

const [name, file, endpoint, bucket, key] = process.argv.slice(2) as [string, string, string, string, string]
const READ_CHUNK = 1024 * 1024

const settings = (): S3Settings => ({
  bucket,
  prefix: "",
  region: "us-east-1",
  endpoint,
  forcePathStyle: true,
  credentials: { accessKeyId: "bench", secretAccessKey: Redacted.make("bench") },
  useAccelerate: false,
  sse: undefined,
  requestChecksums: "when_required"
})

const fileStream = () =>
  NodeStream.fromReadable<Uint8Array>({ evaluate: () => createReadStream(file, { highWaterMark: READ_CHUNK }) })

const drain = <E>(stream: Stream.Stream<Uint8Array, E>) => Stream.runForEach(stream, () => Effect.void)

const s3Engine = Effect.gen(function*() {
  const client = yield* makeS3Client(settings())
  return (yield* makeS3Engine(client, s3Location(bucket, ""), settings())).engine
})

const rawClient = () =>
  new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED"
  })

const cases: Record<string, () => Promise<void>> = {
  "s3-write-ours": () => Effect.runPromise(Effect.scoped(Effect.flatMap(s3Engine, (engine) => engine.put(key, fileStream())))).then(() => undefined),
  "s3-read-ours": () => Effect.runPromise(Effect.scoped(Effect.flatMap(s3Engine, (engine) => Effect.flatMap(engine.get(key), (body) => drain(body.stream))))),
  "s3-write-sdk": async () => {
    const client = rawClient()
    await new Upload({
      client,
      params: { Bucket: bucket, Key: key, Body: createReadStream(file, { highWaterMark: READ_CHUNK }) },
      partSize: S3_DEFAULTS.partSize,
      queueSize: S3_DEFAULTS.partConcurrency
    }).done()
    client.destroy()
  },
  "s3-read-sdk": async () => {
    const client = rawClient()
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    for await (const _ of response.Body as Readable) { /* drain */ }
    client.destroy()
  },
  "local-write-ours": () =>
    Effect.runPromise(Effect.flatMap(makeLocalEngine(localLocation(endpoint)), (engine) => engine.put(key, fileStream()))).then(() => undefined),
  "local-read-ours": () =>
    Effect.runPromise(Effect.flatMap(makeLocalEngine(localLocation(endpoint)), (engine) => Effect.flatMap(engine.get(key), (body) => drain(body.stream))))
}

/** Plain Node streams with the same read size and an fsync: what a hand-written copy in Node costs. */
cases["local-write-node"] = async () => {
  const target = path.join(endpoint, key)
  await mkdir(path.dirname(target), { recursive: true })
  await pipeline(createReadStream(file, { highWaterMark: READ_CHUNK }), createWriteStream(target))
  const handle = await open(target, "r+")
  await handle.sync()
  await handle.close()
}
cases["local-read-node"] = async () => {
  for await (const _ of createReadStream(path.join(endpoint, key), { highWaterMark: READ_CHUNK })) { /* drain */ }
}

const run = cases[name]
if (run === undefined) throw new Error(`unknown case ${name}; one of ${Object.keys(cases).join(", ")}`)
const started = process.hrtime.bigint()
await run()
process.stdout.write(`${JSON.stringify({ seconds: Number(process.hrtime.bigint() - started) / 1e9 })}\n`)
