import * as Context from "effect/Context"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware } from "effect/http-api"
import * as Schema from "effect/Schema"
import type { AuthUser } from "../auth/Auth.ts"
import { uuidNamed } from "../http/params.ts"
import {
  ServerAboutResponse,
  ServerConfigResponse,
  ServerFeaturesResponse,
  TimeBucketAssetResponse,
  TimeBucketsResponse,
  TimelineQueryFields
} from "./browsingDtos.ts"
import {
  ApiKeyResponse,
  AssetResponse,
  AssetStatsResponse,
  LogoutResponse,
  ServerMediaTypesResponse,
  ServerPingResponse,
  ServerVersionResponse,
  UserAdminResponse,
  ValidateAccessTokenResponse,
  WellKnownResponse
} from "./dtos.ts"

/** Who sent the request, for the endpoints behind `UserAuth`. */
export class CurrentAuth extends Context.Service<CurrentAuth, AuthUser>()("@immich-storage/server/CurrentAuth") {}

/**
 * Immich's credentials: a session token (`x-immich-user-token`, `Authorization: Bearer`, the
 * `immich_access_token` cookie) or an API key (`x-api-key`), read by `Auth.authenticateRequest`. A refusal is
 * answered by the middleware itself, in Immich's error shape, before the endpoint decodes anything. It reads
 * the request rather than declaring `HttpApiSecurity` schemes, which would each be tried on their own and
 * could not apply upstream's precedence or the cookie's same-origin rule.
 */
export class UserAuth extends HttpApiMiddleware.Service<UserAuth, { provides: CurrentAuth }>()(
  "@immich-storage/server/UserAuth"
) {}

/** A path or query that does not decode: answered 400 in Immich's error shape, saying what was wrong. */
export class ImmichSchemaErrors extends HttpApiMiddleware.Service<ImmichSchemaErrors>()(
  "@immich-storage/server/ImmichSchemaErrors"
) {}

/** What Immich's clients ask before they log in: where the API is, the version, the accepted files. */
export class ServerGroup extends HttpApiGroup.make("server")
  .add(HttpApiEndpoint.get("ping", "/api/server/ping", { success: ServerPingResponse }))
  .add(HttpApiEndpoint.get("version", "/api/server/version", { success: ServerVersionResponse }))
  .add(HttpApiEndpoint.get("mediaTypes", "/api/server/media-types", { success: ServerMediaTypesResponse }))
  .add(HttpApiEndpoint.get("wellKnown", "/.well-known/immich", { success: WellKnownResponse }))
  .add(HttpApiEndpoint.get("config", "/api/server/config", { success: ServerConfigResponse }))
  .add(HttpApiEndpoint.get("features", "/api/server/features", { success: ServerFeaturesResponse })) {}

/** What the server is; upstream answers it to authenticated callers only. */
export class ServerAboutGroup extends HttpApiGroup.make("serverAbout")
  .add(HttpApiEndpoint.get("about", "/api/server/about", { success: ServerAboutResponse }))
  .middleware(UserAuth) {}

/** The caller's timeline: months with counts, and one month's assets column by column. */
export class TimelineGroup extends HttpApiGroup.make("timeline")
  .add(HttpApiEndpoint.get("buckets", "/api/timeline/buckets", {
    query: TimelineQueryFields,
    success: Schema.Array(TimeBucketsResponse)
  }))
  .add(HttpApiEndpoint.get("bucket", "/api/timeline/bucket", {
    query: { ...TimelineQueryFields, timeBucket: Schema.String },
    success: TimeBucketAssetResponse
  }))
  .middleware(UserAuth) {}

/** Who the key belongs to, and what it may do: the uploader's `immich login` check. */
export class AccountGroup extends HttpApiGroup.make("account")
  .add(HttpApiEndpoint.get("myUser", "/api/users/me", { success: UserAdminResponse }))
  .add(HttpApiEndpoint.get("myApiKey", "/api/api-keys/me", { success: ApiKeyResponse }))
  .middleware(UserAuth) {}

/** Sessions without a body: upstream answers both 200. */
export class SessionGroup extends HttpApiGroup.make("session")
  .add(HttpApiEndpoint.post("logout", "/api/auth/logout", { success: LogoutResponse }))
  .add(HttpApiEndpoint.post("validateToken", "/api/auth/validateToken", { success: ValidateAccessTokenResponse }))
  .middleware(UserAuth) {}

/** The asset endpoints that answer JSON without a body to read; uploads and downloads are raw routes. */
export class AssetGroup extends HttpApiGroup.make("assets")
  .add(HttpApiEndpoint.get("statistics", "/api/assets/statistics", { success: AssetStatsResponse }))
  .add(HttpApiEndpoint.get("getAsset", "/api/assets/:id", { params: { id: uuidNamed("id") }, success: AssetResponse }))
  .middleware(UserAuth) {}

/**
 * The JSON endpoints that fit `HttpApi`: no request body, answers of one schema each. Endpoints that read a
 * body keep raw routes (see `assets/routes.ts`): `HttpApi` reads a JSON payload whole before any limit applies,
 * and streamed uploads and downloads are faster raw.
 */
export class ImmichApi extends HttpApi.make("immich")
  .add(ServerGroup)
  .add(AccountGroup)
  .add(SessionGroup)
  .add(AssetGroup)
  .add(ServerAboutGroup)
  .add(TimelineGroup)
  .middleware(ImmichSchemaErrors) {}
