import { Effect } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { Auth } from "../auth/Auth.ts"
import type { AuthUser } from "../auth/Auth.ts"
import { BadRequest, toErrorResponse } from "./ApiError.ts"
import type { RouteError } from "./ApiError.ts"

/** A route whose typed errors all become their HTTP answer (see `toErrorResponse`). */
export const handle = <R>(effect: Effect.Effect<HttpServerResponse.HttpServerResponse, RouteError, R>) =>
  effect.pipe(Effect.catch(toErrorResponse))

/** A route for holders of a valid `x-api-key`; anything else gets 401 before the handler runs. */
export const authenticated = <R>(handler: (auth: AuthUser) => Effect.Effect<HttpServerResponse.HttpServerResponse, RouteError, R>) =>
  handle(Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const auth = yield* (yield* Auth).authenticate(request.headers["x-api-key"])
    return yield* handler(auth)
  }))

/** The JSON body, or 400. */
export const jsonBody = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  return yield* request.json.pipe(Effect.mapError(() => new BadRequest({ reason: "The body must be JSON" })))
})
