import * as Effect from "effect/Effect"
import type { Query } from "../Database.ts"
import type { DatabaseError } from "../errors.ts"

/** The `asset_file` types this project writes. */
export type AssetFileType = "thumbnail" | "preview" | "sidecar"
/** What may be read: also upstream's `fullsize` images and `encoded_video` transcodes, which only it writes. */
export type ReadableAssetFileType = AssetFileType | "fullsize" | "encoded_video"

export interface AssetFileRepository {
  /** The asset's current (not edited) file of this type. */
  readonly find: (
    assetId: string,
    type: ReadableAssetFileType
  ) => Effect.Effect<{ path: string; updatedAt: Date } | undefined, DatabaseError>
  /**
   * Records generated files of an asset, with the dimensions found while making them, in one statement;
   * false when the asset was deleted meanwhile (then nothing is recorded and the caller removes the files).
   */
  readonly recordGenerated: (
    assetId: string,
    files: ReadonlyArray<{ readonly type: AssetFileType; readonly path: string }>,
    dimensions: { readonly width: number; readonly height: number } | undefined
  ) => Effect.Effect<boolean, DatabaseError>
}

export const makeAssetFileRepository = (query: Query): AssetFileRepository => ({
  find: (assetId, type) =>
    query("read an asset file", (sql) =>
      sql<Array<{ path: string; updatedAt: Date }>>`
        select "path", "updatedAt" from "asset_file"
        where "assetId" = ${assetId} and "type" = ${type} and not "isEdited"`).pipe(Effect.map((rows) => rows[0])),
  recordGenerated: (assetId, files, dimensions) =>
    query("record generated images", (sql) =>
      sql<Array<{ id: string }>>`
        with a as (
          update "asset"
          set "width" = coalesce(${dimensions?.width ?? null}::int, "width"),
              "height" = coalesce(${dimensions?.height ?? null}::int, "height")
          where "id" = ${assetId} returning "id"
        ), f as (
          insert into "asset_file" ("assetId", "type", "path")
          select a."id", t."type", t."path"
          from a, unnest(
            ${sql.array(files.map((f) => f.type))}::varchar[],
            ${sql.array(files.map((f) => f.path))}::varchar[]
          ) as t("type", "path")
          on conflict ("assetId", "type", "isEdited") do update set "path" = excluded."path", "updatedAt" = now()
        )
        select "id" from a`).pipe(Effect.map((rows) => rows.length > 0))
})
