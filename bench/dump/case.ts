/**
 * Our side of the dump benchmark, in its own process so its peak RSS is its own:
 *   case.ts <database> <s3 endpoint> <bucket>
 * Prints {"seconds": n, "bytes": gzipped size} on its last line.
 */
import { Backups, Database, makeDatabase, s3Location, StorageEngine } from "@immich-storage/core"
import { makeS3Engine } from "@immich-storage/core/s3"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { benchS3Settings } from "../shared/s3Settings.ts"

const [database, endpoint, bucket] = process.argv.slice(2) as [string, string, string]
const settings = benchS3Settings(endpoint, bucket, "immich")

const program = Effect.scoped(Effect.gen(function*() {
  const { engine } = yield* makeS3Engine(s3Location(bucket, settings.prefix), settings)
  const db = yield* makeDatabase({ host: "127.0.0.1", port: 5432, user: "postgres", password: undefined, database })
  const services = Layer.mergeAll(Layer.succeed(StorageEngine, engine), Layer.succeed(Database, db))
  const backups = Context.get(yield* Layer.build(Backups.layer.pipe(Layer.provide(services))), Backups)
  const started = process.hrtime.bigint()
  const file = yield* backups.create
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, bytes: file.size }
}))

const result = await Effect.runPromise(program)
process.stdout.write(`${JSON.stringify(result)}\n`)
