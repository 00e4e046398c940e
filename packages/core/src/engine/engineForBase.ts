import { Effect } from "effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { InvalidConfiguration } from "../config/StorageConfig.ts"
import { parseStorageEnv, STORAGE_ENV_VARIABLES } from "../config/parseStorageEnv.ts"
import { readEnv } from "../config/readEnv.ts"
import { baseOf, parseBase, S3_SCHEME } from "../location/MediaLocation.ts"
import { makeLocalEngine } from "./LocalEngine.ts"

/**
 * An engine for a base given on the command line: a local folder (which must exist when `mustExist`),
 * or `s3://bucket/prefix` with the endpoint, credentials, region and SSE of the S3_* variables.
 */
export const engineForBase = Effect.fnUntraced(function*(base: string, options: { readonly mustExist: boolean }) {
  const absolute = base.startsWith(S3_SCHEME) ? base : path.resolve(base)
  const parsed = parseBase(absolute)
  if (typeof parsed === "string") return yield* new InvalidConfiguration({ problems: [{ variable: base, problem: parsed }] })
  if (parsed._tag === "Local") {
    if (options.mustExist) {
      const exists = yield* Effect.promise(() => fs.stat(parsed.root).then((s) => s.isDirectory(), () => false))
      if (!exists) return yield* new InvalidConfiguration({ problems: [{ variable: base, problem: "is not an existing folder" }] })
    }
    return yield* makeLocalEngine(parsed)
  }
  const env = yield* readEnv(STORAGE_ENV_VARIABLES).pipe(
    Effect.mapError((error) => new InvalidConfiguration({ problems: [{ variable: "environment", problem: error.message }] }))
  )
  const settings = parseStorageEnv({ ...env, IMMICH_STORAGE_ENGINE: "s3", S3_BUCKET: parsed.bucket, S3_PREFIX: parsed.prefix, IMMICH_MEDIA_LOCATION: "" }, process.cwd())
  if (!settings.ok) return yield* new InvalidConfiguration({ problems: settings.problems })
  if (settings.settings.engine !== "s3") return yield* Effect.die(new Error("unreachable: engine forced to s3"))
  const { makeS3Client, makeS3Engine } = yield* Effect.promise(() => import("../s3.ts"))
  const client = yield* makeS3Client(settings.settings.s3)
  const { checkBucket, engine } = yield* makeS3Engine(client, settings.settings.location, settings.settings.s3)
  yield* checkBucket
  yield* Effect.logDebug(`Opened ${baseOf(engine.location)}`)
  return engine
})
