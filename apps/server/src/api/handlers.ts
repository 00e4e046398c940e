import { IMMICH_API_VERSION, parseImmichVersion } from "@immich-storage/core"
import * as Effect from "effect/Effect"
import { HttpEffect, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiBuilder, HttpApiMiddleware } from "effect/http-api"
import * as Layer from "effect/Layer"
import { assetResponse } from "../assets/assetResponse.ts"
import { AssetService } from "../assets/AssetService.ts"
import { serverMediaTypes } from "../assets/mediaTypes.ts"
import { Accounts, LOGIN_URL } from "../auth/Accounts.ts"
import { apiKeyResponse, Auth } from "../auth/Auth.ts"
import { cameOverTls, withoutLoginCookies } from "../auth/cookies.ts"
import { userAdminResponse } from "../auth/users.ts"
import { BadRequest, Forbidden, toErrorResponse } from "../http/ApiError.ts"
import { handle } from "../http/handle.ts"
import { schemaProblem } from "../http/params.ts"
import { TimelineService } from "../timeline/TimelineService.ts"
import { CurrentAuth, ImmichApi, ImmichSchemaErrors, UserAuth } from "./ImmichApi.ts"
import { serverAbout, serverConfig, serverFeatures } from "./serverInfo.ts"

/** `ServerVersionResponseDto`: the Immich API version this server implements, not this project's own. */
const serverVersion = parseImmichVersion(IMMICH_API_VERSION)!

const serverHandlers = HttpApiBuilder.group(ImmichApi, "server", (handlers) =>
  handlers
    .handle("ping", () => Effect.succeed({ res: "pong" as const }))
    .handle("version", () => Effect.succeed(serverVersion))
    .handle("mediaTypes", () => Effect.succeed(serverMediaTypes()))
    .handle("wellKnown", () => Effect.succeed({ api: { endpoint: "/api" } }))
    .handle("config", () => handle(serverConfig))
    .handle("features", () => Effect.succeed(serverFeatures())))

const serverAboutHandlers = HttpApiBuilder.group(
  ImmichApi,
  "serverAbout",
  (handlers) => handlers.handle("about", () => Effect.succeed(serverAbout()))
)

/**
 * A month's assets are answered with the JSON PostgreSQL wrote (upstream does the same): a month of
 * thousands of assets is then neither decoded nor encoded here. Its shape is `TimeBucketAssetResponse`,
 * which the tests decode every answer with.
 */
const timelineHandlers = HttpApiBuilder.group(
  ImmichApi,
  "timeline",
  Effect.fn(function*(handlers) {
    const timeline = yield* TimelineService
    return handlers
      .handle(
        "buckets",
        ({ query }) => handle(Effect.flatMap(CurrentAuth, (auth) => timeline.buckets(auth.user.id, query)))
      )
      .handle("bucket", ({ query }) =>
        handle(Effect.flatMap(CurrentAuth, (auth) =>
          Effect.map(
            timeline.bucket(auth.user.id, query),
            (json) => HttpServerResponse.text(json, { contentType: "application/json" })
          ))))
  })
)

const accountHandlers = HttpApiBuilder.group(ImmichApi, "account", (handlers) =>
  handlers
    .handle("myUser", () => Effect.map(CurrentAuth, (auth) => userAdminResponse(auth.user)))
    .handle("myApiKey", () =>
      handle(Effect.flatMap(CurrentAuth, (auth) =>
        auth.apiKey === undefined
          ? Effect.fail(new Forbidden({ reason: "Not authenticated with an API Key" }))
          : Effect.succeed(apiKeyResponse(auth.apiKey))))))

/** Logout ends the session the request was made with and clears upstream's cookies; the token check only
 * has to get past the middleware. */
const sessionHandlers = HttpApiBuilder.group(
  ImmichApi,
  "session",
  Effect.fn(function*(handlers) {
    const accounts = yield* Accounts
    return handlers
      .handle("logout", () =>
        handle(Effect.gen(function*() {
          yield* accounts.logout(yield* CurrentAuth)
          const request = yield* HttpServerRequest.HttpServerRequest
          const secure = cameOverTls(request)
          yield* HttpEffect.appendPreResponseHandler((_request, response) =>
            Effect.succeed(withoutLoginCookies(response, secure))
          )
          return { successful: true, redirectUri: LOGIN_URL }
        })))
      .handle("validateToken", () => Effect.succeed({ authStatus: true }))
  })
)

/** Failures of the service become their answer in Immich's shape (`handle`), as on the raw routes. */
const assetHandlers = HttpApiBuilder.group(
  ImmichApi,
  "assets",
  Effect.fn(function*(handlers) {
    const assets = yield* AssetService
    return handlers
      .handle("statistics", () => handle(Effect.flatMap(CurrentAuth, (auth) => assets.statistics(auth.user.id))))
      .handle(
        "getAsset",
        ({ params }) =>
          handle(Effect.flatMap(CurrentAuth, (auth) => Effect.map(assets.find(auth.user.id, params.id), assetResponse)))
      )
  })
)

/** The request's credentials checked by the `Auth` service; a refusal is the answer, the endpoint does not run. */
const userAuthLayer = Layer.effect(
  UserAuth,
  Effect.gen(function*() {
    const auth = yield* Auth
    return UserAuth.of((httpEffect) =>
      Effect.flatMap(
        HttpServerRequest.HttpServerRequest,
        (request) =>
          Effect.flatMap(handle(auth.authenticateRequest(request)), (user) =>
            HttpServerResponse.isHttpServerResponse(user)
              ? Effect.succeed(user)
              : Effect.provideService(httpEffect, CurrentAuth, user))
      )
    )
  })
)

/**
 * A path or query that does not decode is the client's mistake (400, with the check's message); an answer
 * that does not encode is ours (logged, 500), as any defect.
 */
const schemaErrorsLayer = HttpApiMiddleware.layerSchemaErrorTransform(
  ImmichSchemaErrors,
  (error) =>
    error.kind === "Body" || error.kind === "ResponseHeaders"
      ? handle(Effect.die(error))
      : toErrorResponse(new BadRequest({ reason: schemaProblem(error.cause) }))
)

/** The `HttpApi` endpoints, on the same router as the raw ones. */
export const apiRoutes = HttpApiBuilder.layer(ImmichApi).pipe(
  Layer.provide([
    serverHandlers,
    serverAboutHandlers,
    accountHandlers,
    sessionHandlers,
    assetHandlers,
    timelineHandlers
  ]),
  Layer.provide([userAuthLayer, schemaErrorsLayer])
)
