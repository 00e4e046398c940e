import * as Schema from "effect/Schema"

/**
 * The answers of the browsing endpoints, field for field as upstream's v3.2 DTOs of the same name
 * (`@immich/sdk` 3.2.x); optional fields are declared optional exactly where upstream's are.
 */

/** `AssetVisibility`. */
export const AssetVisibility = Schema.Literals(["archive", "timeline", "hidden", "locked"])

/** `TimeBucketsResponseDto`: a month (`YYYY-MM-DD`, its first day) and how many assets it holds. */
export const TimeBucketsResponse = Schema.Struct({ timeBucket: Schema.String, count: Schema.Number })

const column = <S extends Schema.Top>(item: S) => Schema.Array(item)

/** `TimeBucketAssetResponseDto`: one month's assets, column by column (index `i` of every array is one asset). */
export const TimeBucketAssetResponse = Schema.Struct({
  id: column(Schema.String),
  ownerId: column(Schema.String),
  ratio: column(Schema.Number),
  isFavorite: column(Schema.Boolean),
  visibility: column(AssetVisibility),
  isTrashed: column(Schema.Boolean),
  isImage: column(Schema.Boolean),
  thumbhash: column(Schema.NullOr(Schema.String)),
  /** UTC, without a zone suffix, as upstream writes them (`2024-05-01T10:00:00`). */
  fileCreatedAt: column(Schema.String),
  createdAt: column(Schema.String),
  localOffsetHours: column(Schema.Number),
  duration: column(Schema.NullOr(Schema.Number)),
  projectionType: column(Schema.NullOr(Schema.String)),
  livePhotoVideoId: column(Schema.NullOr(Schema.String)),
  city: Schema.optional(column(Schema.NullOr(Schema.String))),
  country: Schema.optional(column(Schema.NullOr(Schema.String))),
  /** Only with `withCoordinates=true`. */
  latitude: Schema.optional(column(Schema.NullOr(Schema.Number))),
  longitude: Schema.optional(column(Schema.NullOr(Schema.Number))),
  /** Only with `withStacked=true`: `[stackId, count]` of a stack's primary asset, null for the rest. */
  stack: Schema.optional(column(Schema.NullOr(Schema.Array(Schema.String))))
})
export type TimeBucketAssetResponse = typeof TimeBucketAssetResponse.Type

/** `ServerAboutResponseDto`; the build and tool fields upstream leaves out when it does not know them. */
export const ServerAboutResponse = Schema.Struct({
  version: Schema.String,
  versionUrl: Schema.String,
  licensed: Schema.Boolean,
  nodejs: Schema.optional(Schema.String),
  repository: Schema.optional(Schema.String),
  repositoryUrl: Schema.optional(Schema.String)
})

/** `ServerConfigDto`. */
export const ServerConfigResponse = Schema.Struct({
  externalDomain: Schema.String,
  isInitialized: Schema.Boolean,
  isOnboarded: Schema.Boolean,
  loginPageMessage: Schema.String,
  maintenanceMode: Schema.Boolean,
  mapDarkStyleUrl: Schema.String,
  mapLightStyleUrl: Schema.String,
  minFaces: Schema.Number,
  oauthButtonText: Schema.String,
  publicUsers: Schema.Boolean,
  trashDays: Schema.Number,
  userDeleteDelay: Schema.Number
})

/** `ServerFeaturesDto`. */
export const ServerFeaturesResponse = Schema.Struct({
  configFile: Schema.Boolean,
  duplicateDetection: Schema.Boolean,
  email: Schema.Boolean,
  facialRecognition: Schema.Boolean,
  importFaces: Schema.Boolean,
  map: Schema.Boolean,
  oauth: Schema.Boolean,
  oauthAutoLaunch: Schema.Boolean,
  ocr: Schema.Boolean,
  passwordLogin: Schema.Boolean,
  realtimeTranscoding: Schema.Boolean,
  reverseGeocoding: Schema.Boolean,
  search: Schema.Boolean,
  sidecar: Schema.Boolean,
  smartSearch: Schema.Boolean,
  trash: Schema.Boolean
})

const BooleanQuery = Schema.optional(Schema.Boolean)

/**
 * The query of both timeline endpoints (upstream's `TimeBucketDto`). Album, person, tag and map filters are
 * decoded so that a client using them is told they are not supported, rather than shown everything.
 */
export const TimelineQueryFields = {
  visibility: Schema.optional(AssetVisibility),
  isFavorite: BooleanQuery,
  isTrashed: BooleanQuery,
  withPartners: BooleanQuery,
  withStacked: BooleanQuery,
  withCoordinates: BooleanQuery,
  order: Schema.optional(Schema.Literals(["asc", "desc"])),
  orderBy: Schema.optional(Schema.Literals(["takenAt", "createdAt"])),
  userId: Schema.optional(Schema.String),
  albumId: Schema.optional(Schema.String),
  personId: Schema.optional(Schema.String),
  tagId: Schema.optional(Schema.String),
  bbox: Schema.optional(Schema.String),
  /** Shared-link credentials: there are no shared links here, so they are accepted and change nothing. */
  key: Schema.optional(Schema.String),
  slug: Schema.optional(Schema.String)
}
export const TimelineQuery = Schema.Struct(TimelineQueryFields)
export type TimelineQuery = typeof TimelineQuery.Type
