import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { s3EnvironmentOf } from "../config/s3Environment.ts"
import { loadStorageSettingsFor } from "../config/StorageConfig.ts"
import type { StorageSettings } from "../config/StorageSettings.ts"
import { engineForBase } from "../engine/engineForBase.ts"
import { CutOverTargetNotConfigured } from "./errors.ts"

/** Where the media goes. */
export type CutOverTarget = "s3" | "local"

// Every call the cut-over makes into the settings of a location other than the configured one lives in
// this file: the target's settings, an engine for each side, and the environment printed afterwards.

/** Where the media goes: the S3_* variables for s3, IMMICH_MEDIA_LOCATION (default ./data) for local. */
export const targetSettings = (target: CutOverTarget) =>
  loadStorageSettingsFor(target).pipe(
    Effect.mapError((error) => new CutOverTargetNotConfigured({ target, problems: error.problems }))
  )

/** The source must exist; the target's folder is created when missing. */
export const enginesFor = (from: string, to: string) =>
  Effect.all({
    source: engineForBase(from, { mustExist: true }),
    destination: engineForBase(to, { mustExist: false })
  })

/** Quotes a value for a shell and a `.env` file alike, when it needs quoting. */
const quoted = (value: string) => (/^[\w.,:/@+=-]*$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`)

/**
 * The environment the server needs after the switch: every S3 setting that is not the default, derived from
 * the settings themselves. The secret is referred to, never printed.
 */
export const environmentFor = (settings: StorageSettings): ReadonlyArray<string> =>
  settings.engine === "local"
    ? ["IMMICH_STORAGE_ENGINE=local", `IMMICH_MEDIA_LOCATION=${quoted(settings.location.root)}`]
    : [
      "IMMICH_STORAGE_ENGINE=s3",
      "# unset IMMICH_MEDIA_LOCATION (with s3 the location is derived)",
      ...s3EnvironmentOf(settings.s3).map(([name, value]) =>
        Redacted.isRedacted(value) ? `# ${name}: keep the one you have (not printed)` : `${name}=${quoted(value)}`
      ),
      ...(settings.s3.credentials === undefined ? ["# credentials: the AWS default chain"] : [])
    ]
