import { isUuid } from "@immich-storage/core"
import * as Effect from "effect/Effect"
import { HttpRouter, HttpServerRequest } from "effect/http"
import * as Schema from "effect/Schema"
import { BadRequest } from "./ApiError.ts"

/** An id as Immich writes them (a UUID, in any case, of any version); the message names the field. */
export const uuidNamed = (name: string) =>
  Schema.String.check(Schema.makeFilter((id: string) => isUuid(id) || `${name} must be a UUID`))

const IdPath = Schema.Struct({ id: uuidNamed("id") })

/** The `:id` of the path, decoded; 400 when it is not a UUID (then no query runs). */
export const idParam = HttpRouter.schemaPathParams(IdPath).pipe(
  Effect.map((params) => params.id),
  Effect.mapError(() => new BadRequest({ reason: "id must be a UUID" }))
)

/**
 * The query string decoded with `schema`; a value it refuses (or a parameter given twice) is a 400 whose
 * message is `problem`, which names the parameter.
 */
export const queryAs = <A, I extends Readonly<Record<string, string | ReadonlyArray<string> | undefined>>, RD>(
  schema: Schema.ConstraintCodec<A, I, RD, unknown>,
  problem: string
) =>
  HttpServerRequest.schemaSearchParams(schema).pipe(
    Effect.mapError(() => new BadRequest({ reason: problem }))
  )

/**
 * The first line of a schema's complaint (the message its check wrote), led by the name of the parameter
 * it is about when the message does not already say it: `order: Expected "asc" | "desc"`.
 */
export const schemaProblem = (error: Schema.SchemaError): string => {
  const [first = error.message, ...rest] = error.message.split("\n")
  const at = rest.map((line) => /^\s*at (.+)$/.exec(line)?.[1]).find((path) => path !== undefined)
  const name = at === undefined ? undefined : [...at.matchAll(/\["([^"]*)"\]|\[(\d+)\]/g)]
    .map(([, key, index]) => key ?? index).join(".")
  return name === undefined || name === "" || first.includes(name) ? first : `${name}: ${first}`
}
