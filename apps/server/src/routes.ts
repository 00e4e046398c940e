import * as Effect from "effect/Effect"
import { HttpRouter, HttpServerError, HttpServerResponse } from "effect/http"
import * as Layer from "effect/Layer"
import { backupRoutes } from "./admin/routes.ts"
import { apiRoutes } from "./api/handlers.ts"
import { assetRoutes } from "./assets/routes.ts"
import { accountRoutes } from "./auth/routes.ts"
import { trustedProxiesMiddleware } from "./http/trustedProxies.ts"

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
    Effect.catch(
      httpEffect,
      (error) =>
        error instanceof HttpServerError.HttpServerError && error.reason._tag === "RouteNotFound"
          ? Effect.succeed(NOT_FOUND)
          : Effect.fail(error)
    ),
  { global: true }
)

/** The JSON endpoints through `HttpApi`; uploads, downloads and bodies with limits as raw routes. */
export const routes = Layer.mergeAll(
  apiRoutes,
  assetRoutes,
  accountRoutes,
  backupRoutes,
  notFoundAsJson,
  trustedProxiesMiddleware
)
