import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { HttpRouter, HttpServerError, HttpServerResponse } from "effect/http"
import { IMMICH_API_VERSION, parseImmichVersion } from "@immich-storage/core"
import { backupRoutes } from "./admin/routes.ts"
import { assetRoutes } from "./assets/routes.ts"
import { serverMediaTypes } from "./assets/mediaTypes.ts"
import { apiKeyResponse } from "./auth/Auth.ts"
import { userAdminResponse } from "./auth/users.ts"
import { authenticated } from "./http/handle.ts"

/** Immich's liveness probe; its clients call it before anything else. */
export const pingRoute = HttpRouter.add("GET", "/api/server/ping", Effect.succeed(HttpServerResponse.jsonUnsafe({ res: "pong" })))

/** `ServerVersionResponseDto`: the Immich API version this server implements, not this project's own. */
const serverVersion = parseImmichVersion(IMMICH_API_VERSION)!

/** What Immich's clients ask before they log in: where the API is, the version, the accepted files. */
const publicRoutes = Layer.mergeAll(
  pingRoute,
  HttpRouter.add("GET", "/.well-known/immich", HttpServerResponse.jsonUnsafe({ api: { endpoint: "/api" } })),
  HttpRouter.add("GET", "/api/server/version", HttpServerResponse.jsonUnsafe(serverVersion)),
  HttpRouter.add("GET", "/api/server/media-types", HttpServerResponse.jsonUnsafe(serverMediaTypes()))
)

/** Who the key belongs to, and what it may do: the uploader's `immich login` check. */
const accountRoutes = Layer.mergeAll(
  HttpRouter.add("GET", "/api/users/me", authenticated((auth) => Effect.succeed(HttpServerResponse.jsonUnsafe(userAdminResponse(auth.user))))),
  HttpRouter.add("GET", "/api/api-keys/me", authenticated((auth) => Effect.succeed(HttpServerResponse.jsonUnsafe(apiKeyResponse(auth.apiKey)))))
)

const NOT_FOUND = HttpServerResponse.jsonUnsafe(
  { message: "No such endpoint", error: "Not Found", statusCode: 404 },
  { status: 404 }
)

/**
 * A path no route takes (an unknown endpoint, or one the router cannot even decode, such as `%ff`): a JSON 404
 * in Immich's error shape, like every other answer, instead of an empty body that clients cannot parse.
 */
const notFoundAsJson = HttpRouter.middleware(
  (httpEffect) =>
    Effect.catch(httpEffect, (error) =>
      error instanceof HttpServerError.HttpServerError && error.reason._tag === "RouteNotFound"
        ? Effect.succeed(NOT_FOUND)
        : Effect.fail(error)),
  { global: true }
)

export const routes = Layer.mergeAll(publicRoutes, accountRoutes, assetRoutes, backupRoutes, notFoundAsJson)
