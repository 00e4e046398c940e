import * as Effect from "effect/Effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { authenticated, handle, jsonBodyAs } from "../http/handle.ts"
import { JSON_LIMITS } from "../http/requestBody.ts"
import { Accounts } from "./Accounts.ts"
import { requireAdmin } from "./Auth.ts"
import { cameOverTls, withLoginCookies } from "./cookies.ts"
import { userAdminResponse } from "./users.ts"

/** Upstream checks e-mails with class-validator's `IsEmail`; this asks for the same essentials. */
const Email = Schema.String.check(
  Schema.makeFilter((value: string) => /^[^\s@]+@[^\s@]+$/.test(value.trim()) || "email must be an email")
)
const nonEmpty = (name: string) =>
  Schema.String.check(Schema.makeFilter((value: string) => value.length > 0 || `${name} should not be empty`))

/** `LoginCredentialDto`. */
const LoginCredential = Schema.Struct({ email: Email, password: nonEmpty("password") })
/** `SignUpDto`. */
const SignUp = Schema.Struct({ email: Email, password: nonEmpty("password"), name: nonEmpty("name") })
/** `UserAdminCreateDto`, the fields this server stores (avatar colour, PIN code and notify are not kept). */
const UserAdminCreate = Schema.Struct({
  email: Email,
  password: nonEmpty("password"),
  name: nonEmpty("name"),
  isAdmin: Schema.optional(Schema.Boolean),
  storageLabel: Schema.optional(Schema.NullOr(Schema.String)),
  quotaSizeInBytes: Schema.optional(Schema.NullOr(Schema.Number)),
  shouldChangePassword: Schema.optional(Schema.Boolean)
})
/** `UserUpdateMeDto`. */
const UserUpdateMe = Schema.Struct({
  email: Schema.optional(Email),
  name: Schema.optional(Schema.String),
  password: Schema.optional(Schema.String)
})
/** `ChangePasswordDto`: upstream asks for at least 8 characters. */
const ChangePassword = Schema.Struct({
  password: nonEmpty("password"),
  newPassword: Schema.String.check(
    Schema.makeFilter((value: string) =>
      value.length >= 8 || "newPassword must be longer than or equal to 8 characters"
    )
  ),
  invalidateSessions: Schema.optional(Schema.Boolean)
})

/** `POST /api/auth/login`: `LoginResponseDto` (201) and upstream's three cookies. */
const login = handle(Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const credentials = yield* jsonBodyAs(LoginCredential, "login", JSON_LIMITS.account)
  const address = Option.getOrElse(request.remoteAddress, () => "unknown")
  const body = yield* (yield* Accounts).login(credentials, { address, headers: request.headers })
  const response = HttpServerResponse.jsonUnsafe(body, { status: 201 })
  return withLoginCookies(response, body.accessToken, cameOverTls(request))
}))

/** `POST /api/auth/admin-sign-up`: `UserAdminResponseDto` (201). */
const adminSignUp = handle(Effect.gen(function*() {
  const account = yield* jsonBodyAs(SignUp, "sign-up", JSON_LIMITS.account)
  const user = yield* (yield* Accounts).adminSignUp(account)
  yield* Effect.logInfo(`Admin signed up: ${user.email}`)
  return HttpServerResponse.jsonUnsafe(userAdminResponse(user), { status: 201 })
}))

/** `POST /api/admin/users`: an admin adds a user; `UserAdminResponseDto` (201). */
const createUser = authenticated((auth) =>
  Effect.gen(function*() {
    yield* requireAdmin(auth)
    const account = yield* jsonBodyAs(UserAdminCreate, "user", JSON_LIMITS.account)
    const user = yield* (yield* Accounts).createUser(account)
    return HttpServerResponse.jsonUnsafe(userAdminResponse(user), { status: 201 })
  })
)

/** `PUT /api/users/me`: e-mail, name or password; `UserAdminResponseDto`. */
const updateMe = authenticated((auth) =>
  Effect.gen(function*() {
    const changes = yield* jsonBodyAs(UserUpdateMe, "user", JSON_LIMITS.account)
    const user = yield* (yield* Accounts).updateMe(auth, changes)
    return HttpServerResponse.jsonUnsafe(userAdminResponse(user))
  })
)

/** `POST /api/auth/change-password`: `UserAdminResponseDto` (200). */
const changePassword = authenticated((auth) =>
  Effect.gen(function*() {
    const change = yield* jsonBodyAs(ChangePassword, "password change", JSON_LIMITS.account)
    const user = yield* (yield* Accounts).changePassword(auth, change)
    return HttpServerResponse.jsonUnsafe(userAdminResponse(user))
  })
)

/**
 * Immich's account endpoints that read a body, as raw routes (a JSON body with a limit); logout and the
 * token check have none and live in `api/ImmichApi.ts`.
 */
export const accountRoutes = Layer.mergeAll(
  HttpRouter.add("POST", "/api/auth/login", login),
  HttpRouter.add("POST", "/api/auth/admin-sign-up", adminSignUp),
  HttpRouter.add("POST", "/api/auth/change-password", changePassword),
  HttpRouter.add("POST", "/api/admin/users", createUser),
  HttpRouter.add("PUT", "/api/users/me", updateMe)
)
