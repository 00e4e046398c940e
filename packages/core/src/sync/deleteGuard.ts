import { MARKER_FILE } from "../location/StorageFolder.ts"
import type { SyncPlan } from "./syncPlan.ts"

/**
 * Why deleting the plan's extra files would likely destroy data, or undefined when it looks safe. A source
 * that is empty, or that lacks integrity markers the destination has, is most likely an unmounted disk or
 * the wrong folder: mirroring it with --delete would wipe the user's only good copy.
 */
export const deleteHazard = (plan: SyncPlan): string | undefined => {
  if (plan.extra.length === 0) return undefined
  const sourceFiles = plan.copy.length + plan.unchanged.length
  if (sourceFiles === 0) {
    return `the source holds no files, and --delete would remove all ${plan.extra.length} files at the destination. Is the source disk mounted, and is the path right?`
  }
  const lostMarkers = plan.extra.filter((f) => f.key.endsWith(`/${MARKER_FILE}`) || f.key === MARKER_FILE).map((f) => f.key)
  if (lostMarkers.length > 0) {
    return `the source lacks the integrity markers the destination has (${lostMarkers.join(", ")}), so it is probably not the same media folder, or not fully mounted; --delete would remove ${plan.extra.length} files`
  }
  return undefined
}
