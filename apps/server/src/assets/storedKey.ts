import { keyOf } from "@immich-storage/core"
import type { MediaLocation } from "@immich-storage/core"
import * as Effect from "effect/Effect"
import { NotFound } from "../http/ApiError.ts"

/** The storage key of a stored path, or 404 when it lies outside the media location (an external library). */
export const keyOfStored = (location: MediaLocation, storedPath: string): Effect.Effect<string, NotFound> => {
  const key = keyOf(location, storedPath)
  if (key !== undefined) return Effect.succeed(key)
  return Effect.logWarning(`Cannot serve ${storedPath}: it is not below the media location`).pipe(
    Effect.andThen(Effect.fail(new NotFound({ reason: "Asset file not found" })))
  )
}
