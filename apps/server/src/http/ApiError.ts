import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { HttpServerResponse } from "effect/http"
import type { DatabaseError, DumpError, StorageError } from "@immich-storage/core"
import { unsatisfiedRange } from "./rangeHeader.ts"

/** Missing or wrong credentials. The message never says which, nor whether a user exists. */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", { reason: Schema.String }) {}

/** Authenticated, but not allowed (an admin endpoint with a user's key). */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", { reason: Schema.String }) {}

/** Nothing there, or nothing this user may see: both look the same from outside. */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", { reason: Schema.String }) {}

/** The request itself is wrong; the reason says what to send instead. */
export class BadRequest extends Schema.TaggedError<BadRequest>()("BadRequest", { reason: Schema.String }) {}

/** Another request holds what this one needs (a backup already running). */
export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", { reason: Schema.String }) {}

/** The server is stopping: the request was cut short and left nothing behind; send it again later. */
export class ShuttingDown extends Schema.TaggedError<ShuttingDown>()("ShuttingDown", {}) {}

export type ApiError = Unauthorized | Forbidden | NotFound | BadRequest | Conflict | ShuttingDown

/** Everything a route may fail with; `toErrorResponse` turns each into its one HTTP answer. */
export type RouteError = ApiError | StorageError | DatabaseError | DumpError

const body = (statusCode: number, error: string, message: string) =>
  HttpServerResponse.jsonUnsafe({ message, error, statusCode }, { status: statusCode })

/**
 * The one place where errors become HTTP answers, shaped as Immich shapes them
 * (`{message, error, statusCode}`). Client errors say what was wrong; server-side failures are logged
 * in full and answered with a generic message, so no path, bucket or SQL leaks to the client.
 */
export const toErrorResponse = (error: RouteError): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  switch (error._tag) {
    case "Unauthorized":
      return Effect.succeed(body(401, "Unauthorized", error.reason))
    case "Forbidden":
      return Effect.succeed(body(403, "Forbidden", error.reason))
    case "NotFound":
      return Effect.succeed(body(404, "Not Found", error.reason))
    case "BadRequest":
      return Effect.succeed(body(400, "Bad Request", error.reason))
    case "Conflict":
      return Effect.succeed(body(409, "Conflict", error.reason))
    case "ShuttingDown":
      return Effect.succeed(body(503, "Service Unavailable", "The server is shutting down; nothing was stored. Try again in a moment."))
    case "ObjectNotFound":
      return Effect.logWarning(`A stored file is missing: ${error.message}`).pipe(Effect.as(body(404, "Not Found", "Asset file not found")))
    case "RangeNotSatisfiable": {
      const range = unsatisfiedRange(error.size)
      return Effect.succeed(
        HttpServerResponse.jsonUnsafe(
          { message: "Range Not Satisfiable", error: "Range Not Satisfiable", statusCode: 416 },
          { status: 416, headers: range === undefined ? {} : { "content-range": range } }
        )
      )
    }
    case "StorageUnavailable":
      return Effect.logError(error.message).pipe(Effect.as(body(503, "Service Unavailable", "The storage is unavailable; try again later")))
    case "BackupNotFound":
      return Effect.succeed(body(404, "Not Found", "No such backup"))
    default:
      return Effect.logError(error.message).pipe(Effect.as(body(500, "Internal Server Error", "Internal server error")))
  }
}
