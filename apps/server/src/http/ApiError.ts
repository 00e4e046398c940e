import type { BackupError, DatabaseError, StorageError } from "@immich-storage/core"
import * as Effect from "effect/Effect"
import { HttpServerResponse } from "effect/http"
import * as Schema from "effect/Schema"
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

/** A body past one of the server's limits (`requestBody.ts`); the reason states the limit. */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", {
  reason: Schema.String
}) {}

/** The client stopped sending its body for longer than `IMMICH_UPLOAD_IDLE_TIMEOUT`. */
export class BodyStalled extends Schema.TaggedError<BodyStalled>()("BodyStalled", { seconds: Schema.Number }) {}

/** The server is stopping: the request was cut short and left nothing behind; send it again later. */
export class ShuttingDown extends Schema.TaggedError<ShuttingDown>()("ShuttingDown", {}) {}

export type ApiError =
  | Unauthorized
  | Forbidden
  | NotFound
  | BadRequest
  | Conflict
  | PayloadTooLarge
  | BodyStalled
  | ShuttingDown

/** Everything a route may fail with; `toErrorResponse` turns each into its one HTTP answer. */
export type RouteError = ApiError | StorageError | DatabaseError | BackupError

const body = (statusCode: number, error: string, message: string, headers: Record<string, string> = {}) =>
  HttpServerResponse.jsonUnsafe({ message, error, statusCode }, { status: statusCode, headers })

/** When a client should try again after an outage of the database or the storage. */
export const RETRY_AFTER_SECONDS = 30
const CLOSE = { connection: "close" }
const stalledMessage = (seconds: number) =>
  `No data arrived for ${seconds} s (IMMICH_UPLOAD_IDLE_TIMEOUT); nothing was stored`
const DATABASE_UNAVAILABLE = "The database is unavailable; try again later"
const unavailable = (message: string) =>
  body(503, "Service Unavailable", message, { "retry-after": String(RETRY_AFTER_SECONDS) })

/**
 * SQLSTATEs that mean PostgreSQL is not there right now (connection exceptions, a server shutting down
 * or starting, no free connection), as opposed to a query that is wrong.
 */
const OUTAGE_SQLSTATE = /^(08|57P0[1-4]|53)/

/** Is this database error an outage that passes (503), rather than a fault of the query (500)? */
export const isDatabaseOutage = (error: DatabaseError): boolean =>
  error._tag !== "DatabaseQueryFailed" || OUTAGE_SQLSTATE.test(error.code)

const internalError = () => body(500, "Internal Server Error", "Internal server error")

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
    // The rest of such a body is not read: the connection closes after the answer, and says so, so that a
    // client does not send its next request on a connection that is going away.
    case "PayloadTooLarge":
      return Effect.succeed(body(413, "Payload Too Large", error.reason, CLOSE))
    case "BodyStalled":
      return Effect.succeed(body(408, "Request Timeout", stalledMessage(error.seconds), CLOSE))
    case "ShuttingDown":
      return Effect.succeed(
        body(503, "Service Unavailable", "The server is shutting down; nothing was stored. Try again in a moment.")
      )
    case "ObjectNotFound":
      return Effect.logWarning(`A stored file is missing: ${error.message}`).pipe(
        Effect.as(body(404, "Not Found", "Asset file not found"))
      )
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
      return Effect.logError(error.message).pipe(Effect.as(unavailable("The storage is unavailable; try again later")))
    case "DatabaseUnreachable":
    case "DatabaseAuthFailed":
    case "DatabaseMissing":
    case "DatabaseQueryFailed":
      return Effect.logError(error.message).pipe(
        Effect.as(isDatabaseOutage(error) ? unavailable(DATABASE_UNAVAILABLE) : internalError())
      )
    case "BackupNotFound":
      return Effect.succeed(body(404, "Not Found", "No such backup"))
    default:
      return Effect.logError(error.message).pipe(Effect.as(internalError()))
  }
}
