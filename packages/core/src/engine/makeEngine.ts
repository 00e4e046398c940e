import * as Effect from "effect/Effect"
import type { StorageSettings } from "../config/StorageSettings.ts"
import { makeLocalEngine } from "./LocalEngine.ts"
import type { StorageEngineShape } from "./StorageEngine.ts"

/**
 * The engine for a set of settings. The S3 engine is loaded only here, when it is configured, and checks
 * the bucket once, so that a wrong name fails at once with a clear message.
 */
export const makeEngine = Effect.fnUntraced(function*(settings: StorageSettings) {
  if (settings.engine === "local") return yield* makeLocalEngine(settings.location)
  const { makeS3Engine } = yield* Effect.promise(() => import("../s3.ts"))
  const { checkBucket, engine } = yield* makeS3Engine(settings.location, settings.s3)
  yield* checkBucket
  const shape: StorageEngineShape = engine
  return shape
})
