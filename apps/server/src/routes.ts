import * as Effect from "effect/Effect"
import { HttpRouter, HttpServerResponse } from "effect/http"

/** Immich's liveness probe; its clients call it before anything else. */
export const pingRoute = HttpRouter.add("GET", "/api/server/ping", Effect.succeed(HttpServerResponse.jsonUnsafe({ res: "pong" })))
