import * as Schema from "effect/Schema"
import { MARKER_FILE } from "../location/StorageFolder.ts"
import type { ListedFile, SyncPlan } from "./syncPlan.ts"

export class DeleteRefused extends Schema.TaggedError<DeleteRefused>()("DeleteRefused", {
  reason: Schema.String,
  /** Files copied before the hazard showed (a streamed sync copies while it lists); none were deleted. */
  copied: Schema.optional(Schema.Number)
}) {
  override get message(): string {
    const changed = (this.copied ?? 0) === 0
      ? "Nothing was changed"
      : `Nothing was deleted (${this.copied} new or changed files were copied)`
    return `Refusing to sync with --delete: ${this.reason}. ${changed}. If this really is what you want, add --force.`
  }
}

/**
 * Why deleting the extra files would likely destroy data, or undefined when it looks safe. A source that
 * is empty, or that lacks integrity markers the destination has, is most likely an unmounted disk or the
 * wrong folder: mirroring it with --delete would wipe the user's only good copy.
 */
export const deleteHazardOf = (sourceFiles: number, extra: ReadonlyArray<ListedFile>): string | undefined => {
  if (extra.length === 0) return undefined
  if (sourceFiles === 0) {
    return `the source holds no files, and --delete would remove all ${extra.length} files at the destination. ` +
      "Is the source disk mounted, and is the path right?"
  }
  const lostMarkers = extra.filter((f) => f.key.endsWith(`/${MARKER_FILE}`) || f.key === MARKER_FILE).map((f) => f.key)
  if (lostMarkers.length > 0) {
    return `the source lacks the integrity markers the destination has (${lostMarkers.join(", ")}), so it is ` +
      `probably not the same media folder, or not fully mounted; --delete would remove ${extra.length} files`
  }
  return undefined
}

/** `deleteHazardOf` for a plan held in memory. */
export const deleteHazard = (plan: SyncPlan): string | undefined =>
  deleteHazardOf(plan.copy.length + plan.unchanged.length, plan.extra)
