import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Database } from "@immich-storage/core"
import type { DatabaseError } from "@immich-storage/core"
import { Forbidden, Unauthorized } from "../http/ApiError.ts"
import { hashApiKey, plausibleApiKey } from "./apiKeys.ts"
import { USER_COLUMNS } from "./users.ts"
import type { UserRow } from "./users.ts"

export interface ApiKeyRow {
  readonly id: string
  readonly name: string
  readonly createdAt: Date
  readonly updatedAt: Date
  readonly permissions: ReadonlyArray<string>
}

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
  static readonly layer: Layer.Layer<Auth, never, Database> = Layer.effect(
    Auth,
    Effect.gen(function*() {
      const db = yield* Database
      const authenticate = Effect.fn("Auth.authenticate")(function*(apiKey: string | undefined) {
        if (!plausibleApiKey(apiKey)) return yield* new Unauthorized({ reason: apiKey === undefined ? "Authentication required" : INVALID_KEY })
        const rows = yield* db.query("check an API key", (sql) =>
          sql<Array<UserRow & { keyId: string; keyName: string; keyCreatedAt: Date; keyUpdatedAt: Date; permissions: Array<string> }>>`
            select ${sql.unsafe(USER_COLUMNS)}, k."id" as "keyId", k."name" as "keyName", k."createdAt" as "keyCreatedAt",
                   k."updatedAt" as "keyUpdatedAt", k."permissions"
            from "api_key" k join "user" u on u."id" = k."userId"
            where k."key" = ${hashApiKey(apiKey)} and u."deletedAt" is null
            limit 1`)
        const row = rows[0]
        if (row === undefined) return yield* new Unauthorized({ reason: INVALID_KEY })
        const { keyCreatedAt, keyId, keyName, keyUpdatedAt, permissions, ...user } = row
        const found: AuthUser = { user, apiKey: { id: keyId, name: keyName, createdAt: keyCreatedAt, updatedAt: keyUpdatedAt, permissions } }
        return found
      })
      return Auth.of({ authenticate })
    })
  )
}

/** Admin endpoints: a user's key is refused with 403. */
export const requireAdmin = (auth: AuthUser): Effect.Effect<AuthUser, Forbidden> =>
  auth.user.isAdmin ? Effect.succeed(auth) : Effect.fail(new Forbidden({ reason: "Forbidden" }))
