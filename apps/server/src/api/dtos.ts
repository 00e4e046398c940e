import * as Schema from "effect/Schema"

/**
 * The JSON answers of the `HttpApi` endpoints, field for field as Immich's DTOs of the same name. Encoding
 * keeps only the fields declared here, so the functions that build them are typed with these, and the
 * compiler refuses a field that is missing or extra.
 */

/** `GET /api/server/ping`. */
export const ServerPingResponse = Schema.Struct({ res: Schema.Literal("pong") })

/** `GET /.well-known/immich`: where the API is. */
export const WellKnownResponse = Schema.Struct({ api: Schema.Struct({ endpoint: Schema.String }) })

/** `ServerVersionResponseDto`. */
export const ServerVersionResponse = Schema.Struct({
  major: Schema.Number,
  minor: Schema.Number,
  patch: Schema.Number,
  prerelease: Schema.NullOr(Schema.Number)
})

/** `ServerMediaTypesResponseDto`: the accepted extensions. */
export const ServerMediaTypesResponse = Schema.Struct({
  image: Schema.Array(Schema.String),
  video: Schema.Array(Schema.String),
  sidecar: Schema.Array(Schema.String)
})

/** `UserAdminResponseDto`. */
export const UserAdminResponse = Schema.Struct({
  id: Schema.String,
  email: Schema.String,
  name: Schema.String,
  profileImagePath: Schema.String,
  avatarColor: Schema.String,
  profileChangedAt: Schema.String,
  storageLabel: Schema.NullOr(Schema.String),
  shouldChangePassword: Schema.Boolean,
  isAdmin: Schema.Boolean,
  createdAt: Schema.String,
  deletedAt: Schema.NullOr(Schema.String),
  updatedAt: Schema.String,
  oauthId: Schema.String,
  quotaSizeInBytes: Schema.NullOr(Schema.Number),
  quotaUsageInBytes: Schema.NullOr(Schema.Number),
  status: Schema.String,
  license: Schema.Null,
  clusterGroupId: Schema.NullOr(Schema.String)
})
export type UserAdminResponse = typeof UserAdminResponse.Type

/** `APIKeyResponseDto`. */
export const ApiKeyResponse = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  createdAt: Schema.String,
  updatedAt: Schema.String,
  permissions: Schema.Array(Schema.String)
})
export type ApiKeyResponse = typeof ApiKeyResponse.Type

/** `AssetStatsResponseDto`. */
export const AssetStatsResponse = Schema.Struct({ images: Schema.Number, videos: Schema.Number, total: Schema.Number })

/** `AssetResponseDto`, with the fields this server can fill honestly. */
export const AssetResponse = Schema.Struct({
  id: Schema.String,
  deviceAssetId: Schema.String,
  deviceId: Schema.String,
  ownerId: Schema.String,
  libraryId: Schema.NullOr(Schema.String),
  type: Schema.String,
  originalPath: Schema.String,
  originalFileName: Schema.String,
  originalMimeType: Schema.String,
  thumbhash: Schema.Null,
  fileCreatedAt: Schema.String,
  fileModifiedAt: Schema.String,
  localDateTime: Schema.String,
  createdAt: Schema.String,
  updatedAt: Schema.String,
  isFavorite: Schema.Boolean,
  isArchived: Schema.Boolean,
  isTrashed: Schema.Boolean,
  isOffline: Schema.Boolean,
  visibility: Schema.String,
  duration: Schema.NullOr(Schema.Number),
  width: Schema.NullOr(Schema.Number),
  height: Schema.NullOr(Schema.Number),
  checksum: Schema.String,
  hasMetadata: Schema.Boolean,
  isEdited: Schema.Boolean,
  people: Schema.Array(Schema.Unknown),
  tags: Schema.Array(Schema.Unknown)
})
export type AssetResponse = typeof AssetResponse.Type

/** `LoginResponseDto`: the session token, and who it belongs to. */
export const LoginResponse = Schema.Struct({
  accessToken: Schema.String,
  userId: Schema.String,
  userEmail: Schema.String,
  name: Schema.String,
  isAdmin: Schema.Boolean,
  profileImagePath: Schema.String,
  shouldChangePassword: Schema.Boolean,
  isOnboarded: Schema.Boolean
})
export type LoginResponse = typeof LoginResponse.Type

/** `LogoutResponseDto`. */
export const LogoutResponse = Schema.Struct({ successful: Schema.Boolean, redirectUri: Schema.String })

/** `ValidateAccessTokenResponseDto`. */
export const ValidateAccessTokenResponse = Schema.Struct({ authStatus: Schema.Boolean })
