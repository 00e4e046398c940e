import type { StorageFolder } from "../location/StorageFolder.ts"

/** What the boot check saw in one storage folder. */
export interface FolderObservation {
  readonly folder: StorageFolder
  readonly hasMarker: boolean
  /** The folder holds at least one file besides its marker. */
  readonly hasFiles: boolean
}

export interface MountProblem {
  readonly folder: StorageFolder
  readonly reason: string
}

export interface MountCheckPlan {
  /** Folders whose marker is written (first start) or rewritten (proves the folder is writable). */
  readonly writeMarker: ReadonlyArray<StorageFolder>
  readonly problems: ReadonlyArray<MountProblem>
}

/**
 * Decides, from what is in each folder and which folders were checked before (`flagged`, kept by the
 * caller, as Immich keeps `system-flags.mountChecks`), where a marker is missing that should be there.
 * A folder should have its marker when it was checked before, when it holds files, or when any sibling
 * has one (all markers are written together on the first start). Missing anywhere else: a first start.
 */
export const planMountChecks = (
  observations: ReadonlyArray<FolderObservation>,
  flagged: ReadonlySet<StorageFolder>
): MountCheckPlan => {
  const initialised = observations.some((o) => o.hasMarker)
  const writeMarker: Array<StorageFolder> = []
  const problems: Array<MountProblem> = []
  for (const { folder, hasFiles, hasMarker } of observations) {
    if (hasMarker) {
      writeMarker.push(folder)
      continue
    }
    const reason = flagged.has(folder)
      ? "it was checked on an earlier start, so the folder is not the one the server used before"
      : hasFiles
      ? "the folder holds files but has no marker, so it was not created by this server or its marker was deleted"
      : initialised
      ? "other folders of this media location have their marker, so this folder has lost its content"
      : undefined
    if (reason === undefined) writeMarker.push(folder)
    else problems.push({ folder, reason })
  }
  return { writeMarker, problems }
}
