import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Repositories } from "@immich-storage/core"
import type { ApiKeyRow, DatabaseError, UserRow } from "@immich-storage/core"
import { Forbidden, Unauthorized } from "../http/ApiError.ts"
import { hashApiKey, plausibleApiKey } from "./apiKeys.ts"

/** Who sent a request: the user, and the key they used. */
export interface AuthUser {
  readonly user: UserRow
  readonly apiKey: ApiKeyRow
}

/** Immich's answer to a missing or wrong key; the same for both, so nothing about keys leaks. */
const INVALID_KEY = "Invalid API key"

/** Immich's `APIKeyResponseDto`. */
export const apiKeyResponse = (key: ApiKeyRow) => ({
  id: key.id,
  name: key.name,
  createdAt: key.createdAt.toISOString(),
  updatedAt: key.updatedAt.toISOString(),
  permissions: key.permissions
})

export class Auth extends Context.Service<Auth, {
  /** The user holding `apiKey` (the `x-api-key` header), or Unauthorized. */
  readonly authenticate: (apiKey: string | undefined) => Effect.Effect<AuthUser, Unauthorized | DatabaseError>
}>()("@immich-storage/server/Auth") {
  static readonly layer: Layer.Layer<Auth, never, Repositories> = Layer.effect(
    Auth,
    Effect.gen(function*() {
      const { apiKeys } = yield* Repositories
      const authenticate = Effect.fn("Auth.authenticate")(function*(apiKey: string | undefined) {
        if (!plausibleApiKey(apiKey)) return yield* new Unauthorized({ reason: apiKey === undefined ? "Authentication required" : INVALID_KEY })
        const found = yield* apiKeys.findWithUser(hashApiKey(apiKey))
        if (found === undefined) return yield* new Unauthorized({ reason: INVALID_KEY })
        return found satisfies AuthUser
      })
      return Auth.of({ authenticate })
    })
  )
}

/** Admin endpoints: a user's key is refused with 403. */
export const requireAdmin = (auth: AuthUser): Effect.Effect<AuthUser, Forbidden> =>
  auth.user.isAdmin ? Effect.succeed(auth) : Effect.fail(new Forbidden({ reason: "Forbidden" }))
