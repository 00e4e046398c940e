import * as Effect from "effect/Effect"
import * as fs from "node:fs/promises"
import { InvalidConfiguration } from "../config/InvalidConfiguration.ts"
import { loadS3SettingsAt } from "../config/StorageConfig.ts"
import { parseLocationText } from "../location/MediaLocation.ts"
import { makeLocalEngine } from "./LocalEngine.ts"
import { makeEngine } from "./makeEngine.ts"

export interface EngineForBaseOptions {
  /** A local folder must exist already (a source, or both sides of a verify). */
  readonly mustExist: boolean
  /** Create a missing local folder; false for a dry run, which must create nothing, not even the folder. */
  readonly create?: boolean
}

/**
 * An engine for a base given on the command line: a local folder (resolved against the working directory),
 * or `s3://bucket/prefix` with the endpoint, credentials, region and SSE of the S3_* variables. Mistyped
 * locations (`http://…`, `S3://…`, `s3:bucket`) are refused here, never taken for a folder name.
 */
export const engineForBase = Effect.fnUntraced(function*(base: string, options: EngineForBaseOptions) {
  const parsed = parseLocationText(base, process.cwd())
  if (typeof parsed === "string") {
    return yield* new InvalidConfiguration({ problems: [{ variable: "location", problem: parsed }] })
  }
  if (parsed._tag === "Local") {
    const exists = yield* Effect.promise(() => fs.stat(parsed.root).then((s) => s.isDirectory(), () => false))
    if (options.mustExist && !exists) {
      return yield* new InvalidConfiguration({ problems: [{ variable: base, problem: "is not an existing folder" }] })
    }
    if (!exists && options.create === false) return yield* makeLocalEngine(parsed, { createRoot: false })
    return yield* makeEngine({ engine: "local", location: parsed, ignoreMountCheckErrors: false })
  }
  return yield* makeEngine(yield* loadS3SettingsAt(parsed))
})
