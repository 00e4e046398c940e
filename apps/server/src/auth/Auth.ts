import { Repositories } from "@immich-storage/core"
import type { ApiKeyRow, DatabaseError, SessionRow, UserRow } from "@immich-storage/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { ApiKeyResponse } from "../api/dtos.ts"
import { Forbidden, Unauthorized } from "../http/ApiError.ts"
import { hashApiKey, plausibleApiKey } from "./apiKeys.ts"
import { changesState, requestCredential, sameOrigin } from "./credentials.ts"
import { hashSessionToken } from "./sessionTokens.ts"
import { sessionDevice } from "./userAgent.ts"

/** Who sent a request: the user, and the API key or the session they used (one of the two). */
export type AuthUser =
  | { readonly user: UserRow; readonly apiKey: ApiKeyRow; readonly session?: undefined }
  | { readonly user: UserRow; readonly session: SessionRow; readonly apiKey?: undefined }

/** What authentication reads of a request. */
export interface RequestFacts {
  readonly method: string
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly cookies: Readonly<Record<string, string>>
}

/** Immich's answer to a missing or wrong key; the same for both, so nothing about keys leaks. */
const INVALID_KEY = "Invalid API key"
const INVALID_TOKEN = "Invalid user token"
const CROSS_SITE = "Cross-site request refused: send it from the web app's own origin, or with a bearer token"
/** Upstream refreshes a session's `updatedAt` when it is older than this. */
const TOUCH_AFTER_MS = 60 * 60_000

/** Immich's `APIKeyResponseDto`. */
export const apiKeyResponse = (key: ApiKeyRow): ApiKeyResponse => ({
  id: key.id,
  name: key.name,
  createdAt: key.createdAt.toISOString(),
  updatedAt: key.updatedAt.toISOString(),
  permissions: key.permissions
})

export class Auth extends Context.Service<Auth, {
  /** The user holding `apiKey` (the `x-api-key` header), or Unauthorized. */
  readonly authenticate: (apiKey: string | undefined) => Effect.Effect<AuthUser, Unauthorized | DatabaseError>
  /**
   * The user behind a request's session token or API key (see `requestCredential`). A state-changing
   * request that only the session cookie authenticates must come from the server's own origin.
   */
  readonly authenticateRequest: (
    request: RequestFacts
  ) => Effect.Effect<AuthUser, Unauthorized | Forbidden | DatabaseError>
}>()("@immich-storage/server/Auth") {
  static readonly layer: Layer.Layer<Auth, never, Repositories> = Layer.effect(
    Auth,
    Effect.gen(function*() {
      const { apiKeys, sessions } = yield* Repositories
      const authenticate = Effect.fn("Auth.authenticate")(function*(apiKey: string | undefined) {
        if (!plausibleApiKey(apiKey)) {
          return yield* new Unauthorized({ reason: apiKey === undefined ? "Authentication required" : INVALID_KEY })
        }
        const found = yield* apiKeys.findWithUser(hashApiKey(apiKey))
        if (found === undefined) return yield* new Unauthorized({ reason: INVALID_KEY })
        return found satisfies AuthUser
      })
      const withSession = Effect.fn("Auth.session")(function*(token: string, headers: RequestFacts["headers"]) {
        if (!plausibleApiKey(token)) return yield* new Unauthorized({ reason: INVALID_TOKEN })
        const found = yield* sessions.findWithUser(hashSessionToken(token))
        if (found === undefined) return yield* new Unauthorized({ reason: INVALID_TOKEN })
        const { appVersion } = sessionDevice(headers)
        const stale = Date.now() - found.session.updatedAt.getTime() > TOUCH_AFTER_MS
        if (stale || appVersion !== found.session.appVersion) yield* sessions.touch(found.session.id, appVersion)
        return found satisfies AuthUser
      })
      const authenticateRequest = Effect.fn("Auth.authenticateRequest")(function*(request: RequestFacts) {
        const credential = requestCredential(request.headers, request.cookies)
        switch (credential._tag) {
          case "None":
            return yield* new Unauthorized({ reason: "Authentication required" })
          case "ApiKey":
            return yield* authenticate(credential.key)
          case "Session": {
            if (credential.from === "cookie" && changesState(request.method) && !sameOrigin(request.headers)) {
              return yield* new Forbidden({ reason: CROSS_SITE })
            }
            return yield* withSession(credential.token, request.headers)
          }
        }
      })
      return Auth.of({ authenticate, authenticateRequest })
    })
  )
}

/** Admin endpoints: a user's key is refused with 403. */
export const requireAdmin = (auth: AuthUser): Effect.Effect<AuthUser, Forbidden> =>
  auth.user.isAdmin ? Effect.succeed(auth) : Effect.fail(new Forbidden({ reason: "Forbidden" }))
