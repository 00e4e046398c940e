import * as Effect from "effect/Effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import * as Schema from "effect/Schema"
import { Auth } from "../auth/Auth.ts"
import type { AuthUser } from "../auth/Auth.ts"
import { BadRequest, toErrorResponse } from "./ApiError.ts"
import type { RouteError } from "./ApiError.ts"
import { cappedJsonBody } from "./requestBody.ts"
import type { JsonLimits } from "./requestBody.ts"

/**
 * A route whose typed errors all become their HTTP answer (see `toErrorResponse`). A defect (a bug) is
 * logged with its trace, since request logging is off, and answered 500 with nothing of it in the body.
 */
export const handle = <A, R>(
  effect: Effect.Effect<A, RouteError, R>
): Effect.Effect<A | HttpServerResponse.HttpServerResponse, never, R> =>
  effect.pipe(
    Effect.catch(toErrorResponse),
    Effect.catchDefect((defect) =>
      Effect.logError("Unexpected failure while answering a request", defect).pipe(
        Effect.as(
          HttpServerResponse.jsonUnsafe({
            message: "Internal server error",
            error: "Internal Server Error",
            statusCode: 500
          }, { status: 500 })
        )
      )
    )
  )

/**
 * A route for holders of a valid session token or `x-api-key` (see `Auth.authenticateRequest`); anything
 * else gets 401 (403 for a cross-site request on the session cookie) before the handler runs.
 */
export const authenticated = <R>(
  handler: (auth: AuthUser) => Effect.Effect<HttpServerResponse.HttpServerResponse, RouteError, R>
) =>
  handle(Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const auth = yield* (yield* Auth).authenticateRequest(request)
    return yield* handler(auth)
  }))

/**
 * The JSON body decoded with `schema`: 413 past `limits.bytes` (read no further), 400 saying what is
 * wrong with the `what` otherwise.
 */
export const jsonBodyAs = <S extends Schema.Constraint>(schema: S, what: string, limits: JsonLimits) =>
  cappedJsonBody(what, limits).pipe(
    Effect.flatMap((body) =>
      Schema.decodeUnknownEffect(schema)(body).pipe(
        Effect.mapError((error) => new BadRequest({ reason: `Invalid ${what}: ${error.message}` }))
      )
    )
  )
