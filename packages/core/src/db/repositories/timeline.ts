import * as Effect from "effect/Effect"
import type postgres from "postgres"
import type { Query } from "../Database.ts"
import type { DatabaseError } from "../errors.ts"
import type { ImmichSchema } from "./immichSchema.ts"
import { bucketColumns } from "./timelineColumns.ts"

export type AssetVisibility = "archive" | "timeline" | "hidden" | "locked"

/**
 * Which of one owner's assets a timeline shows, as upstream's `TimeBucketOptions` for a caller's own
 * timeline: no visibility given means archived and timeline assets (upstream's default), trashed assets only
 * when asked for, and favourites filtered only when `isFavorite` is given.
 */
export interface TimelineFilter {
  readonly ownerId: string
  readonly visibility: AssetVisibility | undefined
  readonly isFavorite: boolean | undefined
  readonly isTrashed: boolean
  /** `takenAt` buckets by `localDateTime` (upstream's default), `createdAt` by the upload time. */
  readonly orderBy: "takenAt" | "createdAt"
  readonly order: "asc" | "desc"
  /** Hide the non-primary assets of stacks and give each primary `[stackId, count]`, as upstream. */
  readonly withStacked: boolean
  readonly withCoordinates: boolean
}

export interface TimeBucketCount {
  /** The month's first day, `YYYY-MM-DD` (upstream's `TimeBucketsResponseDto.timeBucket`). */
  readonly timeBucket: string
  readonly count: number
}

export interface TimelineRepository {
  /** The owner's months with assets, with how many each holds. */
  readonly buckets: (filter: TimelineFilter) => Effect.Effect<ReadonlyArray<TimeBucketCount>, DatabaseError>
  /**
   * The month starting on `month` (`YYYY-MM-DD`, the first day) as upstream's `TimeBucketAssetResponseDto`,
   * already serialised by PostgreSQL: one statement, one row, nothing decoded or encoded on the way.
   */
  readonly bucket: (filter: TimelineFilter, month: string) => Effect.Effect<string, DatabaseError>
}

/** The day, in UTC, that decides an asset's month: upstream's `truncatedDate`, which its indexes serve. */
export const bucketDate = (filter: Pick<TimelineFilter, "orderBy">): string =>
  `(a.${filter.orderBy === "createdAt" ? `"createdAt"` : `"localDateTime"`} at time zone 'UTC')::date`

/** The `where` of both statements, as upstream's `getTimeBuckets`/`getTimeBucket` filter a user's timeline. */
const conditions = (sql: postgres.Sql, filter: TimelineFilter, schema: ImmichSchema) => {
  const visibility = filter.visibility === undefined
    ? sql`a."visibility" in ('archive', 'timeline')`
    : sql`a."visibility" = ${filter.visibility}::asset_visibility_enum`
  // Upstream's trash: `deletedAt` set, minus assets already on their way out (`status` 'deleted').
  const trash = filter.isTrashed
    ? sql`a."deletedAt" is not null and a."status" <> 'deleted'`
    : sql`a."deletedAt" is null`
  const favorite = filter.isFavorite === undefined ? sql`` : sql`and a."isFavorite" = ${filter.isFavorite}`
  const stacked = filter.withStacked && schema.assetMediaColumns
    ? sql`and not exists (select 1 from "stack" s where s."id" = a."stackId" and s."primaryAssetId" <> a."id")`
    : sql``
  return sql`a."ownerId" = ${filter.ownerId} and ${visibility} and ${trash} ${favorite} ${stacked}`
}

const buckets = (query: Query, schema: ImmichSchema): TimelineRepository["buckets"] => (filter) =>
  query("count the timeline's months", (sql) =>
    sql<Array<TimeBucketCount>>`
      select to_char(date_trunc('month', ${sql.unsafe(bucketDate(filter))}), 'YYYY-MM-DD') as "timeBucket",
             count(*)::int as "count"
      from "asset" a
      where ${conditions(sql, filter, schema)}
      group by 1
      order by 1 ${sql.unsafe(filter.order)}`)

const bucket = (query: Query, schema: ImmichSchema): TimelineRepository["bucket"] => (filter, month) =>
  query("read a timeline month", (sql) => {
    const day = sql.unsafe(bucketDate(filter))
    const order = sql.unsafe(filter.order)
    const columns = bucketColumns(schema, filter)
    // A range on the day (not `date_trunc(...) = month`) lets PostgreSQL use the index on it.
    return sql<Array<{ assets: string }>>`
      with cte as (
        select ${sql.unsafe(columns.select)}
        from "asset" a ${sql.unsafe(columns.joins)}
        where ${conditions(sql, filter, schema)}
          and ${day} >= ${month}::date and ${day} < (${month}::date + interval '1 month')::date
        order by ${day} ${order}, a."fileCreatedAt" ${order}
      )
      select json_build_object(${sql.unsafe(columns.aggregates)})::text as "assets" from cte`
  }).pipe(Effect.map((rows) => rows[0]!.assets))

export const makeTimelineRepository = (query: Query, schema: ImmichSchema): TimelineRepository => ({
  buckets: buckets(query, schema),
  bucket: bucket(query, schema)
})
