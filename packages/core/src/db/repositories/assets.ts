import * as Effect from "effect/Effect"
import type { Query } from "../Database.ts"
import type { DatabaseError } from "../errors.ts"
import { durationTextToMs, msToDurationText } from "./durations.ts"
import type { ImmichSchema } from "./immichSchema.ts"

/** A row of Immich's `asset` table as the API needs it, the same whatever the schema version. */
export interface AssetRow {
  readonly id: string
  readonly ownerId: string
  readonly libraryId: string | null
  readonly deviceAssetId: string | null
  readonly deviceId: string | null
  readonly type: string
  readonly originalPath: string
  readonly originalFileName: string
  readonly checksum: Buffer
  readonly fileCreatedAt: Date
  readonly fileModifiedAt: Date
  readonly localDateTime: Date
  readonly isFavorite: boolean
  readonly isOffline: boolean
  readonly visibility: string
  readonly status: string
  /** Milliseconds, whichever shape the column has. */
  readonly duration: number | null
  readonly width: number | null
  readonly height: number | null
  readonly createdAt: Date
  readonly updatedAt: Date
  readonly deletedAt: Date | null
}

/** What an upload knows of a new asset; the database fills in the rest. */
export type NewAsset =
  & Pick<
    AssetRow,
    | "id"
    | "ownerId"
    | "deviceAssetId"
    | "deviceId"
    | "visibility"
    | "type"
    | "originalPath"
    | "originalFileName"
    | "checksum"
    | "fileCreatedAt"
    | "fileModifiedAt"
    | "isFavorite"
    | "duration"
  >
  & { readonly fileSize: number; readonly sidecarPath: string | undefined }

/**
 * The device columns as upstream's own clients filled them before v3 (its CLI sent `<file name>-<size>` and
 * `CLI`): a v2 database requires both, and Immich's v3 CLI sends neither.
 */
export const deviceFieldsOf = (
  asset: Pick<NewAsset, "deviceAssetId" | "deviceId" | "originalFileName" | "fileSize">
) => ({
  deviceAssetId: asset.deviceAssetId ?? `${asset.originalFileName}-${asset.fileSize}`,
  deviceId: asset.deviceId ?? "CLI"
})

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
export const isUuid = (value: string): boolean => UUID.test(value)

/** Immich's `AssetStatsResponseDto`. */
export interface AssetStatistics {
  images: number
  videos: number
  total: number
}

export interface AssetRepository {
  /**
   * Inserts the asset (and its sidecar's `asset_file` row) unless the owner already has one with the same
   * checksum: Immich's unique index decides, so two concurrent uploads cannot both be created. Returns the
   * new id, or the id of the asset that was there first.
   */
  readonly insert: (asset: NewAsset) => Effect.Effect<{ readonly created: boolean; readonly id: string }, DatabaseError>
  /** The owner's managed assets with these checksums, by hex checksum. */
  readonly findByChecksums: (
    ownerId: string,
    checksums: ReadonlyArray<Buffer>
  ) => Effect.Effect<Map<string, { readonly id: string; readonly status: string }>, DatabaseError>
  /** One of the owner's assets; undefined when it does not exist or belongs to someone else. */
  readonly find: (ownerId: string, id: string) => Effect.Effect<AssetRow | undefined, DatabaseError>
  /**
   * Deletes the owner's managed assets among `ids` (upstream's trigger audits them, their `asset_file` rows
   * cascade) and returns every path they held, so the caller can remove the files.
   */
  readonly delete: (ownerId: string, ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<string>, DatabaseError>
  /** Immich's `AssetStatsResponseDto` for one owner: active assets by type. */
  readonly statistics: (ownerId: string) => Effect.Effect<AssetStatistics, DatabaseError>
}

const deviceSelect = (schema: ImmichSchema) =>
  schema.deviceColumns !== "absent"
    ? `"deviceAssetId", "deviceId"`
    : `null::varchar as "deviceAssetId", null::varchar as "deviceId"`

/** The row to insert, in the version's shape: device fields only where they exist, duration as its column holds it. */
const rowOf = (asset: NewAsset, schema: ImmichSchema) => ({
  id: asset.id,
  ownerId: asset.ownerId,
  ...(schema.deviceColumns === "absent" ? {} : deviceFieldsOf(asset)),
  type: asset.type,
  originalPath: asset.originalPath,
  originalFileName: asset.originalFileName,
  checksum: asset.checksum,
  ...(schema.checksumAlgorithm ? { checksumAlgorithm: "sha1" } : {}),
  fileCreatedAt: asset.fileCreatedAt,
  fileModifiedAt: asset.fileModifiedAt,
  localDateTime: asset.fileCreatedAt,
  isFavorite: asset.isFavorite,
  visibility: asset.visibility,
  duration: asset.duration === null
    ? null
    : schema.duration === "text"
    ? msToDurationText(asset.duration)
    : asset.duration
})

const findByChecksums = (query: Query): AssetRepository["findByChecksums"] => (ownerId, checksums) =>
  query("look up checksums", (sql) =>
    sql<Array<{ id: string; checksum: Buffer; status: string }>>`
      select "id", "checksum", "status"::text as "status" from "asset"
      where "ownerId" = ${ownerId} and "libraryId" is null
        and "checksum" in (
          select decode(h, 'hex')
          from unnest(${sql.array(checksums.map((c) => c.toString("hex")))}::text[]) as h
        )`).pipe(
      Effect.map((rows) => new Map(rows.map((r) => [r.checksum.toString("hex"), { id: r.id, status: r.status }])))
    )

const insert = (query: Query, schema: ImmichSchema): AssetRepository["insert"] => {
  const run: AssetRepository["insert"] = (asset) =>
    Effect.gen(function*() {
      const row = rowOf(asset, schema)
      const sidecarPath = asset.sidecarPath ?? null
      const inserted = yield* query("record the asset", (sql) =>
        sql<Array<{ id: string }>>`
          with a as (
            insert into "asset" ${sql(row)}
            on conflict ("ownerId", "checksum") where ("libraryId" is null) do nothing
            returning "id"
          ), sidecar as (
            insert into "asset_file" ("assetId", "type", "path")
            select a."id", 'sidecar', ${sidecarPath}::varchar from a where ${sidecarPath}::varchar is not null
          )
          select "id" from a`)
      if (inserted[0] !== undefined) return { created: true, id: inserted[0].id }
      const existing = yield* findByChecksums(query)(asset.ownerId, [asset.checksum])
      const id = existing.get(asset.checksum.toString("hex"))?.id
      // The conflicting row vanished between the two statements (deleted meanwhile): try once more.
      if (id === undefined) return yield* run(asset)
      return { created: false, id }
    })
  return run
}

const find = (query: Query, schema: ImmichSchema): AssetRepository["find"] => (ownerId, id) =>
  isUuid(id)
    ? query("read an asset", (sql) =>
      sql<Array<Omit<AssetRow, "duration"> & { duration: string | number | null }>>`
        select "id", "ownerId", "libraryId", ${sql.unsafe(deviceSelect(schema))}, "type", "originalPath",
               "originalFileName", "checksum", "fileCreatedAt", "fileModifiedAt", "localDateTime", "isFavorite",
               "isOffline", "visibility"::text as "visibility", "status"::text as "status", "duration", "width",
               "height", "createdAt", "updatedAt", "deletedAt"
        from "asset" where "id" = ${id} and "ownerId" = ${ownerId}`).pipe(
        Effect.map((rows) => {
          const row = rows[0]
          if (row === undefined) return undefined
          return { ...row, duration: typeof row.duration === "string" ? durationTextToMs(row.duration) : row.duration }
        })
      )
    : Effect.succeed(undefined)

const remove = (query: Query): AssetRepository["delete"] => (ownerId, ids) =>
  query("delete assets", (sql) =>
    sql<Array<{ path: string }>>`
      with doomed as (
        delete from "asset"
        where "ownerId" = ${ownerId} and "libraryId" is null and "id" = any(${sql.array(ids as Array<string>)}::uuid[])
        returning "id", "originalPath"
      )
      select "originalPath" as "path" from doomed
      union all
      select f."path" from "asset_file" f join doomed d on d."id" = f."assetId"`).pipe(
      Effect.map((rows) => rows.map((r) => r.path))
    )

const statistics = (query: Query): AssetRepository["statistics"] => (ownerId) =>
  query("count assets", (sql) =>
    sql<Array<{ images: number; videos: number; total: number }>>`
      select count(*) filter (where "type" = 'IMAGE')::int as "images",
             count(*) filter (where "type" = 'VIDEO')::int as "videos",
             count(*)::int as "total"
      from "asset" where "ownerId" = ${ownerId} and "status" = 'active' and "deletedAt" is null`).pipe(
      Effect.map((rows) => rows[0] ?? { images: 0, videos: 0, total: 0 })
    )

export const makeAssetRepository = (query: Query, schema: ImmichSchema): AssetRepository => ({
  insert: insert(query, schema),
  findByChecksums: findByChecksums(query),
  find: find(query, schema),
  delete: remove(query),
  statistics: statistics(query)
})
