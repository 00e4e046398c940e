import * as Effect from "effect/Effect"
import type { StorageSettings } from "../config/StorageSettings.ts"
import { makeLocalEngine } from "./LocalEngine.ts"
import type { PresignerShape } from "./Presigner.ts"
import type { StorageEngineShape } from "./StorageEngine.ts"

/** An engine and, on S3, its presigner. */
export interface EngineServices {
  readonly engine: StorageEngineShape
  readonly presigner: PresignerShape | undefined
}

/**
 * The engine for a set of settings, with its presigner on S3. The S3 engine is loaded only here, when it
 * is configured, and checks the bucket once, so that a wrong name fails at once with a clear message.
 */
export const makeEngineServices = Effect.fnUntraced(function*(settings: StorageSettings) {
  if (settings.engine === "local") {
    const local: EngineServices = { engine: yield* makeLocalEngine(settings.location), presigner: undefined }
    return local
  }
  const { makeS3Engine } = yield* Effect.promise(() => import("../s3.ts"))
  const { checkBucket, engine, presigner } = yield* makeS3Engine(settings.location, settings.s3)
  yield* checkBucket
  const s3: EngineServices = { engine, presigner }
  return s3
})

/** The engine for a set of settings (see `makeEngineServices`). */
export const makeEngine = (settings: StorageSettings) =>
  Effect.map(makeEngineServices(settings), (services) => services.engine)
