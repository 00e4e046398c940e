import * as Effect from "effect/Effect"
import type postgres from "postgres"
import { columnLabel, PATH_COLUMNS } from "../../migrator/pathColumns.ts"
import type { PathColumn } from "../../migrator/pathColumns.ts"
import type { Query } from "../Database.ts"

/**
 * The SQL form of `MediaLocation.rewrite`: a path changes exactly when it equals `from` or starts with
 * `from/`, and keeps what follows. Bases are parameters, never patterns (`starts_with`, not LIKE or a
 * regular expression), and lengths are counted by Postgres in its own characters.
 */
const matches = (sql: postgres.Sql, c: PathColumn, from: string) => {
  const managedOnly = c.managedAssetsOnly ? sql` and "libraryId" is null` : sql``
  return sql`(${sql(c.column)} = ${from} or starts_with(${sql(c.column)}, ${`${from}/`}))${managedOnly}`
}

/** How many paths per column the legacy-location inference reads (upstream reads 3, of `asset_file` only). */
export const SAMPLE_PER_COLUMN = 50

/** Every column of any Immich version that holds managed paths: the statements over them. */
export const pathColumns = {
  /** The path columns this database has (sidecar and encoded-video columns left `asset` in later versions). */
  existing: (q: Query) =>
    q("find the path columns", (sql) =>
      sql<Array<{ table_name: string; column_name: string }>>`
        select table_name, column_name from information_schema.columns
        where table_schema = current_schema()
          and table_name in ${sql([...new Set(PATH_COLUMNS.map((c) => c.table))])}`).pipe(
        Effect.map((rows) => {
          const present = new Set(rows.map((r) => `${r.table_name}.${r.column_name}`))
          return PATH_COLUMNS.filter((c) =>
            present.has(columnLabel(c)) && (!c.managedAssetsOnly || present.has(`${c.table}.libraryId`))
          )
        })
      ),
  rewrite: (q: Query, c: PathColumn, from: string, to: string) =>
    q(`rewrite ${columnLabel(c)}`, (sql) =>
      sql`update ${sql(c.table)}
          set ${sql(c.column)} = ${to}::text || substr(${sql(c.column)}, char_length(${from}::text) + 1)
          where ${matches(sql, c, from)}`).pipe(Effect.map((result) => result.count)),
  count: (q: Query, c: PathColumn, from: string) =>
    q(`count ${columnLabel(c)}`, (sql) =>
      sql<Array<{ count: string }>>`
        select count(*)::text as count from ${sql(c.table)} where ${matches(sql, c, from)}`).pipe(
        Effect.map((rows) => Number(rows[0]?.count ?? 0))
      ),
  /** Some set paths of a column; external-library assets are left out, they live outside the media location. */
  sample: (q: Query, c: PathColumn) =>
    q(`sample ${columnLabel(c)}`, (sql) =>
      sql<Array<{ path: string }>>`
        select ${sql(c.column)} as path from ${sql(c.table)}
        where ${sql(c.column)} <> ''${c.managedAssetsOnly ? sql` and "libraryId" is null` : sql``}
        limit ${SAMPLE_PER_COLUMN}`).pipe(Effect.map((rows) => rows.map((r) => r.path))),
  /**
   * Some `asset_file` paths, split as the inference reads them: sidecars lie beside the originals (under a
   * storage template's folders), every other type under `thumbs/` or `encoded-video/` by id.
   */
  sampleAssetFiles: (q: Query) =>
    q("sample asset_file.path by kind", (sql) =>
      sql<Array<{ path: string; sidecar: boolean }>>`
        (select "path", true as sidecar from "asset_file" where "type" = 'sidecar' and "path" <> ''
         limit ${SAMPLE_PER_COLUMN})
        union all
        (select "path", false as sidecar from "asset_file" where "type" <> 'sidecar' and "path" <> ''
         limit ${SAMPLE_PER_COLUMN})`).pipe(
        Effect.map((rows) => ({
          originals: rows.filter((r) => r.sidecar).map((r) => r.path),
          generated: rows.filter((r) => !r.sidecar).map((r) => r.path)
        }))
      )
}
