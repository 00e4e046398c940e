/**
 * Which Immich schema a database holds, told from facts read once at start: upstream's migration table and
 * the columns whose shape changed between versions. The repositories choose their statements from it.
 */
export interface SchemaFacts {
  /** Rows in upstream's migration table (`kysely_migrations`, or TypeORM's `migrations` before v1.133). */
  readonly upstreamMigrations: number
  /** `table.column` → whether it is nullable, for the tables the repositories read and write. */
  readonly columns: ReadonlyMap<string, { readonly nullable: boolean; readonly dataType: string }>
}

export type DeviceColumns = "required" | "optional" | "absent"

export interface ImmichSchema {
  /** No `asset` table yet: nothing to read, and only the server creates tables (in its own database). */
  readonly empty: boolean
  /** Immich's migrations own this database: nothing may be added, dropped or altered in it. */
  readonly managedByImmich: boolean
  /** `asset."deviceAssetId"`/`"deviceId"`: NOT NULL up to v2.x, dropped in v3.0. */
  readonly deviceColumns: DeviceColumns
  /** `asset.duration`: text (`H:MM:SS.ffffff`) up to v2.x, integer milliseconds since v3.0. */
  readonly duration: "text" | "milliseconds"
  /** `asset."checksumAlgorithm"`: NOT NULL since v2.7. */
  readonly checksumAlgorithm: boolean
  /** `"user"."clusterGroupId"`: NOT NULL since v3.2, a row of `cluster_group` per user. */
  readonly userClusterGroup: boolean
  /** `"user"."shouldChangePassword"`: upstream's, absent from our own schema. */
  readonly userShouldChangePassword: boolean
  /** `person` keyed by `id` until v3.1, by (`ownerId`, `personGroupId`) since v3.2. */
  readonly personKey: "id" | "personGroup"
  /** `asset.thumbhash`, `"livePhotoVideoId"` and `"stackId"` (and the `stack` table): Immich's, never ours. */
  readonly assetMediaColumns: boolean
  /** `asset_exif` (city, country, coordinates, projection): in every Immich database, not in ours. */
  readonly exifTable: boolean
}

/**
 * Columns our own schema never creates: their presence means the tables were made by Immich, even when its
 * migration table is gone (a database restored from a partial dump, or a pre-kysely install).
 */
export const UPSTREAM_ONLY_COLUMNS: ReadonlyArray<string> = [
  "asset.livePhotoVideoId",
  "asset.stackId",
  "asset.thumbhash",
  "asset.encodedVideoPath",
  "asset.sidecarPath",
  "user.oauthId",
  "user.shouldChangePassword"
]

/** The tables whose columns the detection reads. */
export const DETECTED_TABLES: ReadonlyArray<string> = ["asset", "user", "person", "asset_exif"]

export const schemaFromFacts = (facts: SchemaFacts): ImmichSchema => {
  const column = (name: string) => facts.columns.get(name)
  const device = column("asset.deviceAssetId")
  const duration = column("asset.duration")
  return {
    empty: column("asset.id") === undefined,
    managedByImmich: facts.upstreamMigrations > 0 || UPSTREAM_ONLY_COLUMNS.some((c) => column(c) !== undefined),
    deviceColumns: device === undefined ? "absent" : device.nullable ? "optional" : "required",
    // Integer since v3.0; every older shape (and a missing column) is text.
    duration: duration !== undefined && duration.dataType === "integer" ? "milliseconds" : "text",
    checksumAlgorithm: column("asset.checksumAlgorithm") !== undefined,
    userClusterGroup: column("user.clusterGroupId") !== undefined,
    userShouldChangePassword: column("user.shouldChangePassword") !== undefined,
    personKey: column("person.personGroupId") !== undefined && column("person.id") === undefined ? "personGroup" : "id",
    assetMediaColumns: ["thumbhash", "livePhotoVideoId", "stackId"].every((c) => column(`asset.${c}`) !== undefined),
    exifTable: ["assetId", "city", "country", "projectionType", "latitude", "longitude"]
      .every((c) => column(`asset_exif.${c}`) !== undefined)
  }
}

/** The upstream version a managed schema matches; a shape none of them had is named by its features only. */
export const upstreamVersionOf = (schema: ImmichSchema): string | undefined => {
  if (!schema.managedByImmich || schema.empty) return undefined
  if (schema.deviceColumns === "required" && schema.duration === "text") {
    return schema.checksumAlgorithm ? "v2.7" : "v2.x before v2.7"
  }
  if (schema.deviceColumns === "absent" && schema.duration === "milliseconds") {
    return schema.userClusterGroup && schema.personKey === "personGroup" ? "v3.2" : "v3.0–v3.1"
  }
  return undefined
}

/** The start-up line, e.g. `Immich database schema: v2.7 (device fields required, text durations)`. */
export const describeSchema = (schema: ImmichSchema): string => {
  if (schema.empty) return "Immich database schema: none yet (an empty database)"
  const features = [
    `device fields ${schema.deviceColumns}`,
    schema.duration === "text" ? "text durations" : "millisecond durations",
    ...(schema.userClusterGroup ? ["cluster groups"] : []),
    ...(schema.managedByImmich ? ["managed by Immich's migrations: left unaltered"] : [])
  ].join(", ")
  const name = schema.managedByImmich
    ? (upstreamVersionOf(schema) ?? "an Immich version not checked here")
    : "created by immich-storage"
  return `Immich database schema: ${name} (${features})`
}
