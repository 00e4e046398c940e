/**
 * One benchmark case, run in its own process so its peak RSS is its own:
 *   case.ts <case> <source file> <endpoint | media dir> <bucket | -> <key>
 * Each case imports only what it uses, as the real process would (a server on local disk never
 * loads the AWS SDK). Prints {"seconds": n} on its last line.
 */
import { createReadStream, createWriteStream } from "node:fs"
import { mkdir, open } from "node:fs/promises"
import * as path from "node:path"
import type { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"

const [name, file, endpoint, bucket, key] = process.argv.slice(2) as [string, string, string, string, string]
const READ_CHUNK = 1024 * 1024

/** Loads our modules and builds the engine up front (as a server does at boot), outside the timed part. */
const ours = async (engineKind: "s3" | "local") => {
  const [{ Effect, Exit, Scope, Stream }, NodeStream, core, { benchS3Settings }] = await Promise.all([
    import("effect"),
    import("@effect/platform-node/NodeStream"),
    import("@immich-storage/core"),
    import("../shared/s3Settings.ts")
  ])
  const scope = await Effect.runPromise(Scope.make())
  const build = engineKind === "local"
    ? core.makeLocalEngine(core.localLocation(endpoint))
    : Effect.gen(function*() {
      const { makeS3Engine } = yield* Effect.promise(() => import("@immich-storage/core/s3"))
      const settings = benchS3Settings(endpoint, bucket, "")
      return (yield* makeS3Engine(core.s3Location(bucket, ""), settings)).engine
    })
  const engine = await Effect.runPromise(build.pipe(Scope.provide(scope)))
  return {
    engine,
    /** Runs an effect to completion, then releases the engine. */
    run: <A, E>(effect: import("effect").Effect.Effect<A, E>) =>
      Effect.runPromise(effect.pipe(Effect.ensuring(Scope.close(scope, Exit.void)))),
    fileStream: () =>
      NodeStream.fromReadable<Uint8Array>({ evaluate: () => createReadStream(file, { highWaterMark: READ_CHUNK }) }),
    drain: <E>(stream: import("effect").Stream.Stream<Uint8Array, E>) => Stream.runDrain(stream),
    Effect
  }
}

const rawClient = async () => {
  const { S3Client } = await import("@aws-sdk/client-s3")
  return new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED"
  })
}

/** Each case prepares (loads its modules, builds its client: counted in memory, not in time) and returns the timed run. */
const cases: Record<string, () => Promise<() => Promise<unknown>>> = {
  "s3-write-ours": async () => {
    const { engine, fileStream, run } = await ours("s3")
    return () => run(engine.put(key, fileStream()))
  },
  "s3-read-ours": async () => {
    const { drain, Effect, engine, run } = await ours("s3")
    return () => run(Effect.flatMap(engine.get(key), (body) => drain(body.stream)))
  },
  "s3-write-sdk": async () => {
    const [{ Upload }, { S3_DEFAULTS }] = await Promise.all([
      import("@aws-sdk/lib-storage"),
      import("@immich-storage/core/s3")
    ])
    const client = await rawClient()
    return async () => {
      await new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: createReadStream(file, { highWaterMark: READ_CHUNK }) },
        partSize: S3_DEFAULTS.partSize,
        queueSize: S3_DEFAULTS.partConcurrency
      }).done()
      client.destroy()
    }
  },
  "s3-read-sdk": async () => {
    const { GetObjectCommand } = await import("@aws-sdk/client-s3")
    const client = await rawClient()
    return async () => {
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
      for await (const _ of response.Body as Readable) { /* drain */ }
      client.destroy()
    }
  },
  "local-write-ours": async () => {
    const { engine, fileStream, run } = await ours("local")
    return () => run(engine.put(key, fileStream()))
  },
  "local-read-ours": async () => {
    const { drain, Effect, engine, run } = await ours("local")
    return () => run(Effect.flatMap(engine.get(key), (body) => drain(body.stream)))
  },
  /** Plain Node streams with the same read size and an fsync: what a hand-written copy in Node costs. */
  "local-write-node": async () => async () => {
    const target = path.join(endpoint, key)
    await mkdir(path.dirname(target), { recursive: true })
    await pipeline(createReadStream(file, { highWaterMark: READ_CHUNK }), createWriteStream(target))
    const handle = await open(target, "r+")
    await handle.sync()
    await handle.close()
  },
  "local-read-node": async () => async () => {
    for await (const _ of createReadStream(path.join(endpoint, key), { highWaterMark: READ_CHUNK })) { /* drain */ }
  }
}

const prepare = cases[name]
if (prepare === undefined) throw new Error(`unknown case ${name}; one of ${Object.keys(cases).join(", ")}`)
const run = await prepare()
const started = process.hrtime.bigint()
await run()
process.stdout.write(`${JSON.stringify({ seconds: Number(process.hrtime.bigint() - started) / 1e9 })}\n`)
