import { Repositories } from "@immich-storage/core"
import type { DatabaseError, TimeBucketCount, TimelineFilter } from "@immich-storage/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { TimelineQuery } from "../api/browsingDtos.ts"
import { BadRequest, Unauthorized } from "../http/ApiError.ts"

/**
 * The month the client names: upstream's buckets are `YYYY-MM-DD` (older clients send a whole ISO timestamp,
 * and upstream strips a leading sign). Any day selects its month; the answer is that month's first day.
 */
export const monthOfTimeBucket = (timeBucket: string): string | undefined => {
  const match = /^[+-]?(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/
    .exec(timeBucket.trim())
  if (match === null) return undefined
  const [, year, month, day] = match
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)))
  if (date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day)) return undefined
  return `${year}-${month}-01`
}

/** Upstream's answer to a filter on something (a partner, an album) the caller may not read. */
const noAccess = (permission: string) => new BadRequest({ reason: `Not found or no ${permission} access` })

/**
 * Upstream's `timeBucketChecks`, for a server without elevated (PIN) sessions, partner sharing, albums,
 * people, tags or a map: what asks for those is refused, never answered with everything.
 */
const checkQuery = (userId: string, query: TimelineQuery): Effect.Effect<void, BadRequest | Unauthorized> => {
  if (query.visibility === "locked") return Effect.fail(new Unauthorized({ reason: "Elevated permission is required" }))
  if (query.userId !== undefined && query.userId !== userId) return Effect.fail(noAccess("timeline.read"))
  const unsupported = (["albumId", "personId", "tagId", "bbox"] as const).find((name) => query[name] !== undefined)
  if (unsupported !== undefined) {
    const reason = `${unsupported} is not supported by this server (no albums, people, tags or map)`
    return Effect.fail(new BadRequest({ reason }))
  }
  if (query.withPartners === true) {
    const refused = query.visibility === "archive" || query.visibility === undefined ||
      query.isFavorite !== undefined || query.isTrashed === true
    if (refused) {
      return Effect.fail(
        new BadRequest({
          reason: "withPartners is only supported for non-archived, non-trashed, non-favorited, non-locked assets"
        })
      )
    }
  }
  return Effect.void
}

const filterOf = (ownerId: string, query: TimelineQuery): TimelineFilter => ({
  ownerId,
  visibility: query.visibility,
  isFavorite: query.isFavorite,
  isTrashed: query.isTrashed ?? false,
  orderBy: query.orderBy ?? "takenAt",
  order: query.order ?? "desc",
  withStacked: query.withStacked ?? false,
  withCoordinates: query.withCoordinates ?? false
})

/**
 * The caller's own timeline, month by month, as upstream's timeline service serves it. Only the caller's
 * assets ever appear: `withPartners` is checked as upstream checks it, but this server shares nothing with
 * partners, so it adds no one's assets.
 */
export class TimelineService extends Context.Service<TimelineService, {
  readonly buckets: (
    ownerId: string,
    query: TimelineQuery
  ) => Effect.Effect<ReadonlyArray<TimeBucketCount>, BadRequest | Unauthorized | DatabaseError>
  /** One month as upstream's `TimeBucketAssetResponseDto`, already JSON. */
  readonly bucket: (
    ownerId: string,
    query: TimelineQuery & { readonly timeBucket: string }
  ) => Effect.Effect<string, BadRequest | Unauthorized | DatabaseError>
}>()("@immich-storage/server/TimelineService") {
  static readonly layer: Layer.Layer<TimelineService, never, Repositories> = Layer.effect(
    TimelineService,
    Effect.gen(function*() {
      const { timeline } = yield* Repositories
      const buckets = Effect.fn("TimelineService.buckets")(function*(ownerId: string, query: TimelineQuery) {
        yield* checkQuery(ownerId, query)
        return yield* timeline.buckets(filterOf(ownerId, query))
      })
      const bucket = Effect.fn("TimelineService.bucket")(function*(
        ownerId: string,
        query: TimelineQuery & { readonly timeBucket: string }
      ) {
        yield* checkQuery(ownerId, query)
        const month = monthOfTimeBucket(query.timeBucket)
        if (month === undefined) {
          return yield* new BadRequest({ reason: "timeBucket must be a date such as 2024-05-01" })
        }
        return yield* timeline.bucket(filterOf(ownerId, query), month)
      })
      return TimelineService.of({ buckets, bucket })
    })
  )
}
