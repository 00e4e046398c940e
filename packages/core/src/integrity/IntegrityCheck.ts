import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { StorageError } from "../engine/errors.ts"
import type { StorageEngineShape } from "../engine/StorageEngine.ts"
import { baseOf } from "../location/MediaLocation.ts"
import { MARKER_FILE, markerKey, STORAGE_FOLDERS } from "../location/StorageFolder.ts"
import type { StorageFolder } from "../location/StorageFolder.ts"
import { planMountChecks } from "./mountCheckPlan.ts"
import type { FolderObservation, MountProblem } from "./mountCheckPlan.ts"

export class MountCheckFailed extends Schema.TaggedError<MountCheckFailed>()("MountCheckFailed", {
  location: Schema.String,
  problems: Schema.Array(Schema.Struct({ folder: Schema.String, reason: Schema.String }))
}) {
  override get message(): string {
    return [
      `The media location ${this.location} failed its integrity check:`,
      ...this.folderLines,
      "Is the disk mounted, and are IMMICH_MEDIA_LOCATION (or S3_BUCKET / S3_PREFIX) the ones this server used before?",
      "See Immich's system-integrity folder checks; " +
      "IMMICH_IGNORE_MOUNT_CHECK_ERRORS=true turns these errors into warnings."
    ].join("\n")
  }

  /** The one warning logged instead when the errors are ignored: which folders, and that it was asked for. */
  get ignoredMessage(): string {
    const folders = this.problems.map((p) => p.folder).join(", ")
    return [
      `The media location ${this.location} failed its integrity check in ${folders}; ` +
      "starting anyway, because IMMICH_IGNORE_MOUNT_CHECK_ERRORS=true ignores these errors:",
      ...this.folderLines
    ].join("\n")
  }

  private get folderLines(): ReadonlyArray<string> {
    return this.problems.map(({ folder, reason }) => `  - Failed to read "${folder}/${MARKER_FILE}": ${reason}`)
  }
}

export interface IntegrityReport {
  /** Folders whose marker is now in place: the caller remembers them as checked. */
  readonly checked: ReadonlyArray<StorageFolder>
  readonly problems: ReadonlyArray<MountProblem>
}

const observe = (engine: StorageEngineShape, folder: StorageFolder): Effect.Effect<FolderObservation, StorageError> =>
  engine.list(folder).pipe(
    Stream.take(2),
    Stream.runCollect,
    Effect.map((items) => ({
      folder,
      hasMarker: items.some((item) => item.key === markerKey(folder)),
      hasFiles: items.some((item) => item.key !== markerKey(folder))
    }))
  )

/**
 * Immich's boot-time folder check: writes a marker into each storage folder on the first start and
 * refuses to start when a folder that should hold the server's files has lost its marker (an unmounted
 * disk, a wrong bucket or prefix). `flagged` are the folders checked on earlier starts. With
 * `ignoreErrors`, the problems are logged as one warning and returned in the report.
 */
export const checkMediaIntegrity = Effect.fn("checkMediaIntegrity")(function*(
  engine: StorageEngineShape,
  options: { readonly flagged: ReadonlySet<StorageFolder>; readonly ignoreErrors: boolean }
) {
  const observations = yield* Effect.forEach(STORAGE_FOLDERS, (folder) => observe(engine, folder), {
    concurrency: STORAGE_FOLDERS.length
  })
  const plan = planMountChecks(observations, options.flagged)
  yield* Effect.forEach(plan.writeMarker, (folder) => engine.put(markerKey(folder), Buffer.from(`${Date.now()}`)), {
    concurrency: STORAGE_FOLDERS.length,
    discard: true
  })
  if (plan.problems.length > 0) {
    const failure = new MountCheckFailed({ location: baseOf(engine.location), problems: plan.problems })
    if (!options.ignoreErrors) return yield* failure
    yield* Effect.logWarning(failure.ignoredMessage)
  }
  const report: IntegrityReport = { checked: plan.writeMarker, problems: plan.problems }
  return report
})
