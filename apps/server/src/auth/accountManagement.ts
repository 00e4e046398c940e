import { LOCK_IDS, lockForTransaction } from "@immich-storage/core"
import type {
  DatabaseError,
  DatabaseQueryFailed,
  DatabaseShape,
  Query,
  RepositoriesShape,
  UserChanges
} from "@immich-storage/core"
import * as Effect from "effect/Effect"
import { BadRequest } from "../http/ApiError.ts"
import type { AuthUser } from "./Auth.ts"
import { hashPassword, verifyPassword } from "./passwords.ts"

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

/** A unique e-mail or storage label that another user already holds, found by the database itself. */
const uniqueViolation =
  (message: string) => (error: DatabaseQueryFailed): Effect.Effect<never, BadRequest | DatabaseError> =>
    error.code === "23505" ? Effect.fail(new BadRequest({ reason: message })) : Effect.fail(error)

type Users = RepositoriesShape["users"]

const insertUser = (users: Users, q: Query, account: NewAccount, passwordHash: string) =>
  users.create(q, {
    email: normalizeEmail(account.email),
    name: account.name,
    passwordHash,
    isAdmin: account.isAdmin ?? false,
    storageLabel: account.storageLabel ?? null,
    quotaSizeInBytes: account.quotaSizeInBytes ?? null,
    shouldChangePassword: account.shouldChangePassword ?? true
  })

/**
 * New accounts: the first admin's sign-up and the users an admin adds. Passwords are hashed before the
 * transaction opens, so no connection waits on bcrypt.
 */
const makeNewAccounts = (db: DatabaseShape, users: Users) => {
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
          return yield* insertUser(users, tx, first, passwordHash)
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
        return yield* insertUser(users, tx, account, passwordHash)
      })
    ).pipe(Effect.catchTag("DatabaseQueryFailed", uniqueViolation("User exists or storage label already taken")))
  })
  return { adminSignUp, createUser }
}

/** Changes to one's own account: e-mail, name, password. */
const makeOwnAccount = (db: DatabaseShape, users: Users, sessions: RepositoriesShape["sessions"]) => {
  const saveChanges = (auth: AuthUser, changes: UserChanges) =>
    users.update(db.query, auth.user.id, changes).pipe(
      Effect.catchTag("DatabaseQueryFailed", uniqueViolation("Email already in use by another account")),
      Effect.flatMap((user) =>
        user === undefined ? Effect.fail(new BadRequest({ reason: "User not found" })) : Effect.succeed(user)
      )
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

  return { updateMe, changePassword }
}

/** Accounts: the first admin's sign-up, the users an admin adds, and changes to one's own account. */
export const makeAccountManagement = (
  db: DatabaseShape,
  users: Users,
  sessions: RepositoriesShape["sessions"]
) => ({ ...makeNewAccounts(db, users), ...makeOwnAccount(db, users, sessions) })
