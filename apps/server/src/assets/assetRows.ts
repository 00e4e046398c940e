import * as Effect from "effect/Effect"
import type { DatabaseError, DatabaseShape } from "@immich-storage/core"

/** A row of Immich's `asset` table, as this server reads it. */
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
  >
  & { readonly sidecarPath: string | undefined }

export type AssetFileType = "thumbnail" | "preview" | "sidecar"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
export const isUuid = (value: string): boolean => UUID.test(value)

/**
 * Inserts the asset (and its sidecar's `asset_file` row) in one statement, unless the owner already has
 * an asset with the same checksum: Immich's unique index decides, so two concurrent uploads of the same
 * file cannot both be created. Returns the new id, or the id of the asset that was there first.
 */
export const insertAsset = (
  db: DatabaseShape,
  asset: NewAsset
): Effect.Effect<{ readonly created: boolean; readonly id: string }, DatabaseError> =>
  Effect.gen(function*() {
    const inserted = yield* db.query("record the asset", (sql) =>
      sql<Array<{ id: string }>>`
        with a as (
          insert into "asset" ("id", "ownerId", "deviceAssetId", "deviceId", "type", "originalPath", "originalFileName", "checksum",
                               "checksumAlgorithm", "fileCreatedAt", "fileModifiedAt", "localDateTime", "isFavorite", "visibility")
          values (${asset.id}, ${asset.ownerId}, ${asset.deviceAssetId}, ${asset.deviceId}, ${asset.type}, ${asset.originalPath},
                  ${asset.originalFileName}, ${asset.checksum}, 'sha1', ${asset.fileCreatedAt}, ${asset.fileModifiedAt},
                  ${asset.fileCreatedAt}, ${asset.isFavorite}, ${asset.visibility}::asset_visibility_enum)
          on conflict ("ownerId", "checksum") where ("libraryId" is null) do nothing
          returning "id"
        ), sidecar as (
          insert into "asset_file" ("assetId", "type", "path")
          select a."id", 'sidecar', ${asset.sidecarPath ?? null}::varchar from a where ${asset.sidecarPath ?? null}::varchar is not null
        )
        select "id" from a`)
    if (inserted[0] !== undefined) return { created: true, id: inserted[0].id }
    const existing = yield* findByChecksums(db, asset.ownerId, [asset.checksum])
    const id = existing.get(asset.checksum.toString("hex"))?.id
    // The conflicting row vanished between the two statements (deleted meanwhile): try once more.
    if (id === undefined) return yield* insertAsset(db, asset)
    return { created: false, id }
  })

/** The owner's assets with these checksums, by hex checksum. */
export const findByChecksums = (db: DatabaseShape, ownerId: string, checksums: ReadonlyArray<Buffer>) =>
  db.query("look up checksums", (sql) =>
    sql<Array<{ id: string; checksum: Buffer; status: string }>>`
      select "id", "checksum", "status"::text as "status" from "asset"
      where "ownerId" = ${ownerId} and "libraryId" is null and "checksum" in (select decode(h, 'hex') from unnest(${sql.array(checksums.map((c) => c.toString("hex")))}::text[]) as h)`).pipe(
    Effect.map((rows) => new Map(rows.map((r) => [r.checksum.toString("hex"), r])))
  )

/** One of the owner's assets; undefined when it does not exist or belongs to someone else. */
export const findAsset = (db: DatabaseShape, ownerId: string, id: string) =>
  isUuid(id)
    ? db.query("read an asset", (sql) =>
      sql<Array<AssetRow>>`
        select "id", "ownerId", "libraryId", "deviceAssetId", "deviceId", "type", "originalPath", "originalFileName", "checksum",
               "fileCreatedAt", "fileModifiedAt", "localDateTime", "isFavorite", "isOffline", "visibility"::text as "visibility",
               "status"::text as "status", "duration", "width", "height", "createdAt", "updatedAt", "deletedAt"
        from "asset" where "id" = ${id} and "ownerId" = ${ownerId}`).pipe(Effect.map((rows) => rows[0]))
    : Effect.succeed(undefined)

export const findAssetFile = (db: DatabaseShape, assetId: string, type: AssetFileType) =>
  db.query("read an asset file", (sql) =>
    sql<Array<{ path: string; updatedAt: Date }>>`
      select "path", "updatedAt" from "asset_file" where "assetId" = ${assetId} and "type" = ${type} and not "isEdited"`).pipe(
    Effect.map((rows) => rows[0])
  )

/**
 * Records generated files of an asset; false when the asset was deleted meanwhile (then nothing is
 * recorded and the caller removes the files it wrote).
 */
export const recordGeneratedFiles = (
  db: DatabaseShape,
  assetId: string,
  files: ReadonlyArray<{ readonly type: AssetFileType; readonly path: string }>,
  dimensions: { readonly width: number; readonly height: number } | undefined
) =>
  db.query("record generated images", (sql) =>
    sql<Array<{ id: string }>>`
      with a as (
        update "asset" set "width" = coalesce(${dimensions?.width ?? null}::int, "width"), "height" = coalesce(${dimensions?.height ?? null}::int, "height")
        where "id" = ${assetId} returning "id"
      ), f as (
        insert into "asset_file" ("assetId", "type", "path")
        select a."id", t."type", t."path" from a, unnest(${sql.array(files.map((f) => f.type))}::varchar[], ${sql.array(files.map((f) => f.path))}::varchar[]) as t("type", "path")
        on conflict ("assetId", "type", "isEdited") do update set "path" = excluded."path", "updatedAt" = now()
      )
      select "id" from a`).pipe(Effect.map((rows) => rows.length > 0))

/**
 * Deletes the owner's assets among `ids` (their `asset_file` rows go with them) and returns every path
 * they held, so the caller can remove the files. Rows go first: a file without a row is harmless, a row
 * without its file is a broken asset.
 */
export const deleteAssets = (db: DatabaseShape, ownerId: string, ids: ReadonlyArray<string>) =>
  db.query("delete assets", (sql) =>
    sql<Array<{ path: string }>>`
      with doomed as (
        delete from "asset" where "ownerId" = ${ownerId} and "libraryId" is null and "id" = any(${sql.array(ids as Array<string>)}::uuid[])
        returning "id", "originalPath"
      )
      select "originalPath" as "path" from doomed
      union all
      select f."path" from "asset_file" f join doomed d on d."id" = f."assetId"`).pipe(Effect.map((rows) => rows.map((r) => r.path)))

/** Immich's `AssetStatsResponseDto` for one owner: active assets by type. */
export const assetStatistics = (db: DatabaseShape, ownerId: string) =>
  db.query("count assets", (sql) =>
    sql<Array<{ images: number; videos: number; total: number }>>`
      select count(*) filter (where "type" = 'IMAGE')::int as "images", count(*) filter (where "type" = 'VIDEO')::int as "videos",
             count(*)::int as "total"
      from "asset" where "ownerId" = ${ownerId} and "status" = 'active' and "deletedAt" is null`).pipe(
    Effect.map((rows) => rows[0] ?? { images: 0, videos: 0, total: 0 })
  )
