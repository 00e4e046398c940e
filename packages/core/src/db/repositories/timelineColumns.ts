import type { ImmichSchema } from "./immichSchema.ts"

/**
 * The columns of upstream's `TimeBucketAssetResponseDto` (v3.2), each an SQL expression over `asset a` (and
 * `asset_exif e`, the stack `st`). What a database lacks (our own has no thumbhash, live photos, stacks or
 * EXIF table) is null, as upstream answers for an asset without it.
 */
const V2_DURATION = String.raw`^\d+:[0-5]?\d:[0-5]?\d(\.\d+)?$`

const durationExpression = (schema: ImmichSchema): string =>
  schema.duration === "milliseconds"
    ? `a."duration"`
    // v2's text (`H:MM:SS.ffffff`) in milliseconds; anything unreadable is null rather than an error.
    : `case when a."duration" ~ '${V2_DURATION}' then round(extract(epoch from a."duration"::interval) * 1000)::int end`

const baseColumns = (schema: ImmichSchema): ReadonlyArray<readonly [string, string]> => {
  const media = schema.assetMediaColumns
  const exif = schema.exifTable
  return [
    ["id", `a."id"`],
    ["ownerId", `a."ownerId"`],
    [
      "ratio",
      `coalesce(case when a."height" = 0 or a."width" = 0 then 1
      else round(a."width"::numeric / a."height"::numeric, 3) end, 1)`
    ],
    ["isFavorite", `a."isFavorite"`],
    ["visibility", `a."visibility"::text`],
    ["isTrashed", `a."deletedAt" is not null`],
    ["isImage", `a."type" = 'IMAGE'`],
    ["thumbhash", media ? `encode(a."thumbhash", 'base64')` : `null::text`],
    // UTC wall-clock timestamps without a zone suffix, exactly as upstream serialises them.
    ["fileCreatedAt", `a."fileCreatedAt" at time zone 'UTC'`],
    ["createdAt", `a."createdAt" at time zone 'UTC'`],
    [
      "localOffsetHours",
      `extract(epoch from (a."localDateTime" at time zone 'UTC' - a."fileCreatedAt" at time zone 'UTC'))::real / 3600`
    ],
    ["duration", durationExpression(schema)],
    ["projectionType", exif ? `e."projectionType"` : `null::varchar`],
    ["livePhotoVideoId", media ? `a."livePhotoVideoId"` : `null::uuid`],
    ["city", exif ? `e."city"` : `null::varchar`],
    ["country", exif ? `e."country"` : `null::varchar`]
  ]
}

export interface BucketColumns {
  /** The select list of the per-asset rows. */
  readonly select: string
  /** The joins those rows need. */
  readonly joins: string
  /** The arguments of `json_build_object`: each column aggregated into an array, in the rows' order. */
  readonly aggregates: string
}

export const bucketColumns = (
  schema: ImmichSchema,
  options: { readonly withCoordinates: boolean; readonly withStacked: boolean }
): BucketColumns => {
  const exif = schema.exifTable
  const stacks = options.withStacked && schema.assetMediaColumns
  const columns = [
    ...baseColumns(schema),
    ...(options.withCoordinates
      ? [
        ["latitude", exif ? `e."latitude"` : `null::real`],
        ["longitude", exif ? `e."longitude"` : `null::real`]
      ] as const
      : [])
  ]
  const joins = [
    ...(exif ? [`left join "asset_exif" e on e."assetId" = a."id"`] : []),
    // Upstream's `[stackId, count]` of a primary asset: the stack's visible, untrashed members.
    ...(stacks
      ? [`left join lateral (
          select array[x."stackId"::text, count(*)::text] as "stack" from "asset" x
          where x."stackId" = a."stackId" and x."deletedAt" is null and x."visibility" = 'timeline'
          group by x."stackId") st on true`]
      : [])
  ]
  const select = [
    ...columns.map(([name, expression]) => `${expression} as "${name}"`),
    ...(options.withStacked ? [`${stacks ? `st."stack"` : `null::text[]`} as "stack"`] : [])
  ]
  const aggregates = [
    ...columns.map(([name]) => `'${name}', coalesce(array_agg("${name}"), '{}')`),
    ...(options.withStacked ? [`'stack', coalesce(json_agg("stack"), '[]'::json)`] : [])
  ]
  return { select: select.join(", "), joins: joins.join(" "), aggregates: aggregates.join(", ") }
}
