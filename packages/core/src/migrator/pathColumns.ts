/**
 * Every column that can hold a path under the media location, across Immich's versions. Columns that
 * a database does not have (sidecar and encoded-video paths left `asset` in later versions) are skipped.
 */
export interface PathColumn {
  readonly table: string
  readonly column: string
  /** Only rows of the media location's own assets: external-library files never move. */
  readonly managedAssetsOnly: boolean
}

export const PATH_COLUMNS: ReadonlyArray<PathColumn> = [
  { table: "asset", column: "originalPath", managedAssetsOnly: true },
  { table: "asset", column: "sidecarPath", managedAssetsOnly: true },
  { table: "asset", column: "encodedVideoPath", managedAssetsOnly: true },
  { table: "asset_file", column: "path", managedAssetsOnly: false },
  { table: "person", column: "thumbnailPath", managedAssetsOnly: false },
  { table: "user", column: "profileImagePath", managedAssetsOnly: false },
  { table: "move_history", column: "oldPath", managedAssetsOnly: false },
  { table: "move_history", column: "newPath", managedAssetsOnly: false }
]

export const columnLabel = (c: Pick<PathColumn, "table" | "column">): string => `${c.table}.${c.column}`
