import { Database, Repositories } from "@immich-storage/core"
import type { DatabaseError, UserRow } from "@immich-storage/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { LoginResponse } from "../api/dtos.ts"
import { Unauthorized } from "../http/ApiError.ts"
import type { BadRequest } from "../http/ApiError.ts"
import { makeAccountManagement, normalizeEmail } from "./accountManagement.ts"
import type { AccountChanges, NewAccount, PasswordChange } from "./accountManagement.ts"
import type { AuthUser } from "./Auth.ts"
import { LoginThrottle } from "./LoginThrottle.ts"
import { verifyPassword } from "./passwords.ts"
import { hashSessionToken, newSessionToken } from "./sessionTokens.ts"
import { sessionDevice } from "./userAgent.ts"

/** Where the web app goes after logging out (upstream's `LOGIN_URL`). */
export const LOGIN_URL = "/auth/login?autoLaunch=0"
const WRONG_CREDENTIALS = "Incorrect email or password"

export interface Credentials {
  readonly email: string
  readonly password: string
}

/** Who is logging in from where: the client's address (for the throttle) and its headers (the device). */
export interface LoginClient {
  readonly address: string
  readonly headers: Readonly<Record<string, string | undefined>>
}

/** `LoginResponseDto` for a user and their new token. */
const loginResponse = (user: UserRow, accessToken: string): LoginResponse => ({
  accessToken,
  userId: user.id,
  userEmail: user.email,
  name: user.name,
  isAdmin: user.isAdmin,
  profileImagePath: user.profileImagePath,
  shouldChangePassword: user.shouldChangePassword,
  // Upstream keeps onboarding in `user_metadata`, which this server does not read: the web app shows its
  // onboarding once more, nothing worse.
  isOnboarded: false
})

export class Accounts extends Context.Service<Accounts, {
  readonly login: (
    credentials: Credentials,
    client: LoginClient
  ) => Effect.Effect<LoginResponse, Unauthorized | DatabaseError>
  /** Ends the request's session; a request made with an API key has none to end. */
  readonly logout: (auth: AuthUser) => Effect.Effect<void, DatabaseError>
  /**
   * The first admin's account. Upstream refuses once an admin exists; this server creates an admin without
   * a password at its first start (to hold the API key it prints), so sign-up is open while no admin has a
   * password, and then gives that admin the e-mail, name and password sent.
   */
  readonly adminSignUp: (account: NewAccount) => Effect.Effect<UserRow, BadRequest | DatabaseError>
  readonly createUser: (account: NewAccount) => Effect.Effect<UserRow, BadRequest | DatabaseError>
  /** `PUT /api/users/me`: upstream sets a new password without asking for the old one (deprecated there). */
  readonly updateMe: (auth: AuthUser, changes: AccountChanges) => Effect.Effect<UserRow, BadRequest | DatabaseError>
  /** `POST /api/auth/change-password`: the current password is checked; other sessions may be ended. */
  readonly changePassword: (
    auth: AuthUser,
    change: PasswordChange
  ) => Effect.Effect<UserRow, BadRequest | DatabaseError>
}>()("@immich-storage/server/Accounts") {
  static readonly layer: Layer.Layer<Accounts, never, Repositories | Database | LoginThrottle> = Layer.effect(
    Accounts,
    Effect.gen(function*() {
      const { sessions, users } = yield* Repositories
      const db = yield* Database
      const throttle = yield* LoginThrottle

      const login = Effect.fn("Accounts.login")(function*(credentials: Credentials, client: LoginClient) {
        const email = normalizeEmail(credentials.email)
        yield* throttle.attempt(client.address, email)
        const found = yield* users.findForLogin(db.query, email)
        // Always one bcrypt comparison, so an unknown e-mail answers as slowly as a wrong password.
        const matches = yield* verifyPassword(credentials.password, found?.passwordHash ?? "")
        if (found === undefined || !matches) {
          const who = JSON.stringify(email.slice(0, 128))
          yield* Effect.logWarning(`Failed login attempt for ${who} from ${client.address}`)
          return yield* new Unauthorized({ reason: WRONG_CREDENTIALS })
        }
        yield* throttle.succeeded(client.address, email)
        const token = newSessionToken()
        yield* sessions.create(db.query, found.user.id, hashSessionToken(token), sessionDevice(client.headers))
        return loginResponse(found.user, token)
      })

      const logout = (auth: AuthUser) =>
        auth.session === undefined ? Effect.void : sessions.remove(db.query, auth.session.id)

      return Accounts.of({ login, logout, ...makeAccountManagement(db, users, sessions) })
    })
  )
}
