import { Effect } from "effect"
import type { StorageSettings } from "../config/StorageSettings.ts"
import { makeLocalEngine } from "./LocalEngine.ts"
import type { StorageEngineShape } from "./StorageEngine.ts"

/**
 * The engine for a set of settings. S3 loads the AWS SDK only here, when it is configured, and checks
 * the bucket once, so that a wrong name fails at once with a clear message.
 */
export const makeEngine = Effect.fnUntraced(function*(settings: StorageSettings) {
  if (settings.engine === "local") return yield* makeLocalEngine(settings.location)
  const { makePresignGet, makeS3Client, makeS3Engine } = yield* Effect.promise(() => import("../s3.ts"))
  const client = yield* makeS3Client(settings.s3)
  const { checkBucket, engine } = yield* makeS3Engine(client, settings.location, settings.s3)
  yield* checkBucket
  const shape: StorageEngineShape = { ...engine, presignGet: makePresignGet(client, settings.location, settings.s3) }
  return shape
})
