import * as Effect from "effect/Effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { InvalidConfiguration } from "../config/InvalidConfiguration.ts"
import { storageSettingsWith } from "../config/StorageConfig.ts"
import { parseBase, S3_SCHEME } from "../location/MediaLocation.ts"
import { makeEngine } from "./makeEngine.ts"

/**
 * An engine for a base given on the command line: a local folder (which must exist when `mustExist`),
 * or `s3://bucket/prefix` with the endpoint, credentials, region and SSE of the S3_* variables.
 */
export const engineForBase = Effect.fnUntraced(function*(base: string, options: { readonly mustExist: boolean }) {
  const parsed = parseBase(base.startsWith(S3_SCHEME) ? base : path.resolve(base))
  if (typeof parsed === "string") return yield* new InvalidConfiguration({ problems: [{ variable: base, problem: parsed }] })
  if (parsed._tag === "Local") {
    const exists = yield* Effect.promise(() => fs.stat(parsed.root).then((s) => s.isDirectory(), () => false))
    if (options.mustExist && !exists) return yield* new InvalidConfiguration({ problems: [{ variable: base, problem: "is not an existing folder" }] })
    return yield* makeEngine({ engine: "local", location: parsed, ignoreMountCheckErrors: false })
  }
  const settings = yield* storageSettingsWith({ IMMICH_STORAGE_ENGINE: "s3", S3_BUCKET: parsed.bucket, S3_PREFIX: parsed.prefix, IMMICH_MEDIA_LOCATION: "" })
  return yield* makeEngine(settings)
})
