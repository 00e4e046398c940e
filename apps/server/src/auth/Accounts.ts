import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Database, LOCK_IDS, lockForTransaction, Repositories } from "@immich-storage/core"
import type { DatabaseError, DatabaseQueryFailed, UserChanges, UserRow } from "@immich-storage/core"
import type { LoginResponse } from "../api/dtos.ts"
import { BadRequest, Unauthorized } from "../http/ApiError.ts"
import type { AuthUser } from "./Auth.ts"
import { LoginThrottle } from "./LoginThrottle.ts"
import { hashPassword, verifyPassword } from "./passwords.ts"
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

export interface NewAccount {
  readonly email: string
  readonly name: string
  readonly password: string
  readonly isAdmin?: boolean | undefined
  readonly storageLabel?: string | null | undefined
  readonly quotaSizeInBytes?: number | null | undefined
  readonly shouldChangePassword?: boolean | undefined
}

export interface PasswordChange {
  readonly password: string
  readonly newPassword: string
  readonly invalidateSessions?: boolean | undefined
}

export interface AccountChanges {
  readonly email?: string | undefined
  readonly name?: string | undefined
  readonly password?: string | undefined
}

/** Upstream compares e-mails lower-cased; surrounding blanks are never meant. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase()

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

/** A unique e-mail or storage label that another user already holds, found by the database itself. */
const uniqueViolation = (message: string) =>
  (error: DatabaseQueryFailed): Effect.Effect<never, BadRequest | DatabaseError> =>
    error.code === "23505" ? Effect.fail(new BadRequest({ reason: message })) : Effect.fail(error)

export class Accounts extends Context.Service<Accounts, {
  readonly login: (credentials: Credentials, client: LoginClient) =>
    Effect.Effect<LoginResponse, Unauthorized | DatabaseError>
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

      const insertUser = (q: Parameters<typeof users.create>[0], account: NewAccount, passwordHash: string) =>
        users.create(q, {
          email: normalizeEmail(account.email),
          name: account.name,
          passwordHash,
          isAdmin: account.isAdmin ?? false,
          storageLabel: account.storageLabel ?? null,
          quotaSizeInBytes: account.quotaSizeInBytes ?? null,
          shouldChangePassword: account.shouldChangePassword ?? true
        })

      const adminSignUp = Effect.fn("Accounts.adminSignUp")(function*(account: NewAccount) {
        const passwordHash = yield* hashPassword(account.password)
        const email = normalizeEmail(account.email)
        return yield* db.transaction((tx) =>
          Effect.gen(function*() {
            // The same lock as the first start's admin: the two never create two admins.
            yield* lockForTransaction(tx, LOCK_IDS.adminBootstrap)
            if (yield* users.adminWithPassword(tx)) {
              return yield* new BadRequest({ reason: "The server already has an admin" })
            }
            const waiting = yield* users.firstAdmin(tx)
            if (waiting === undefined) {
              const first = { ...account, isAdmin: true, storageLabel: "admin", shouldChangePassword: false }
              return yield* insertUser(tx, first, passwordHash)
            }
            if (yield* users.emailTaken(tx, email, waiting)) return yield* new BadRequest({ reason: "User exists" })
            const changes: UserChanges = { email, name: account.name, passwordHash }
            return (yield* users.update(tx, waiting, changes))!
          })
        ).pipe(Effect.catchTag("DatabaseQueryFailed", uniqueViolation("User exists")))
      })

      const createUser = Effect.fn("Accounts.createUser")(function*(account: NewAccount) {
        const passwordHash = yield* hashPassword(account.password)
        return yield* db.transaction((tx) =>
          Effect.gen(function*() {
            const taken = yield* users.emailTaken(tx, normalizeEmail(account.email))
            if (taken) return yield* new BadRequest({ reason: "User exists" })
            return yield* insertUser(tx, account, passwordHash)
          })
        ).pipe(Effect.catchTag("DatabaseQueryFailed", uniqueViolation("User exists or storage label already taken")))
      })

      const saveChanges = (auth: AuthUser, changes: UserChanges) =>
        users.update(db.query, auth.user.id, changes).pipe(
          Effect.catchTag("DatabaseQueryFailed", uniqueViolation("Email already in use by another account")),
          Effect.flatMap((user) =>
            user === undefined ? Effect.fail(new BadRequest({ reason: "User not found" })) : Effect.succeed(user))
        )

      const updateMe = Effect.fn("Accounts.updateMe")(function*(auth: AuthUser, changes: AccountChanges) {
        const email = changes.email === undefined ? undefined : normalizeEmail(changes.email)
        if (email !== undefined && (yield* users.emailTaken(db.query, email, auth.user.id))) {
          return yield* new BadRequest({ reason: "Email already in use by another account" })
        }
        const passwordHash = changes.password === undefined || changes.password === ""
          ? undefined
          : yield* hashPassword(changes.password)
        return yield* saveChanges(auth, { email, name: changes.name, passwordHash })
      })

      const changePassword = Effect.fn("Accounts.changePassword")(function*(
        auth: AuthUser,
        change: PasswordChange
      ) {
        const current = yield* users.passwordHash(db.query, auth.user.id)
        const matches = yield* verifyPassword(change.password, current)
        if (!matches) return yield* new BadRequest({ reason: "Wrong password" })
        const user = yield* saveChanges(auth, { passwordHash: yield* hashPassword(change.newPassword) })
        if (change.invalidateSessions === true) yield* sessions.removeOthers(db.query, user.id, auth.session?.id)
        return user
      })

      const logout = (auth: AuthUser) =>
        auth.session === undefined ? Effect.void : sessions.remove(db.query, auth.session.id)

      return Accounts.of({ login, logout, adminSignUp, createUser, updateMe, changePassword })
    })
  )
}
