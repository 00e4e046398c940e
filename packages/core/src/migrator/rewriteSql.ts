import type postgres from "postgres"
import type { PathColumn } from "./pathColumns.ts"

/**
 * The SQL form of `MediaLocation.rewrite`: a path changes exactly when it equals `from` or starts with
 * `from/`, and keeps what follows. Bases are parameters, never patterns (`starts_with`, not LIKE or a
 * regular expression), and lengths are counted by Postgres in its own characters.
 */
const matches = (sql: postgres.Sql, c: PathColumn, from: string) =>
  sql`(${sql(c.column)} = ${from} or starts_with(${sql(c.column)}, ${`${from}/`}))${
    c.managedAssetsOnly ? sql` and "libraryId" is null` : sql``
  }`

export const rewriteColumn = (sql: postgres.Sql, c: PathColumn, from: string, to: string) =>
  sql`update ${sql(c.table)} set ${sql(c.column)} = ${to}::text || substr(${sql(c.column)}, char_length(${from}::text) + 1)
      where ${matches(sql, c, from)}`

export const countColumn = (sql: postgres.Sql, c: PathColumn, from: string) =>
  sql<Array<{ count: string }>>`select count(*)::text as count from ${sql(c.table)} where ${matches(sql, c, from)}`

/** How many paths per column the legacy-location inference reads (upstream reads 3, of `asset_file` only). */
export const SAMPLE_PER_COLUMN = 50

/** Some set paths of a column; external-library assets are left out, they live outside the media location. */
export const sampleColumn = (sql: postgres.Sql, c: PathColumn) =>
  sql<Array<{ path: string }>>`select ${sql(c.column)} as path from ${sql(c.table)}
    where ${sql(c.column)} <> ''${c.managedAssetsOnly ? sql` and "libraryId" is null` : sql``}
    limit ${SAMPLE_PER_COLUMN}`
