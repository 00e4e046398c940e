import * as Effect from "effect/Effect"
import type { Query } from "../Database.ts"
import type { ImmichSchema } from "./immichSchema.ts"
import { userColumns } from "./users.ts"
import type { UserRepository, UserRow } from "./users.ts"

type AccountStatements = Pick<
  UserRepository,
  "findForLogin" | "passwordHash" | "adminWithPassword" | "emailTaken" | "create" | "update"
>

/**
 * The `user` statements of logging in and managing accounts. Passwords are bcrypt hashes in `password`,
 * nullable in upstream v3.2 and `NOT NULL DEFAULT ''` in v2.7 and in our own schema: "no password" is
 * either, and is read as "".
 */
export const makeAccountStatements = (schema: ImmichSchema): AccountStatements => {
  const columns = userColumns(schema)
  // postgres.js builds `${sql(row)}` from the keyword before it (insert, set): the statements that write
  // name no alias, and the row is read back with `userColumns`.
  const selectUser = (q: Query, id: string) =>
    q("read a user", (sql) => sql<Array<UserRow>>`select ${sql.unsafe(columns)} from "user" u where u."id" = ${id}`)
      .pipe(Effect.map((rows) => rows[0]))
  const createUser = (q: Query, user: Parameters<AccountStatements["create"]>[1]) =>
    Effect.gen(function*() {
      const group = schema.userClusterGroup
        ? {
          clusterGroupId: (yield* q("create a cluster group", (sql) =>
            sql<Array<{ id: string }>>`insert into "cluster_group" default values returning "id"`))[0]!.id
        }
        : {}
      const flag = schema.userShouldChangePassword ? { shouldChangePassword: user.shouldChangePassword } : {}
      const row = {
        email: user.email,
        name: user.name,
        password: user.passwordHash,
        isAdmin: user.isAdmin,
        storageLabel: user.storageLabel,
        quotaSizeInBytes: user.quotaSizeInBytes,
        ...group,
        ...flag
      }
      const [created] = yield* q("create a user", (sql) =>
        sql<Array<{ id: string }>>`insert into "user" ${sql(row)} returning "id"`)
      return (yield* selectUser(q, created!.id))!
    })
  return {
    findForLogin: (q, email) =>
      q("find a user by e-mail", (sql) =>
        sql<Array<UserRow & { passwordHash: string }>>`
          select ${sql.unsafe(columns)}, coalesce(u."password", '') as "passwordHash"
          from "user" u where u."email" = ${email} and u."deletedAt" is null limit 1`).pipe(
          Effect.map((rows) => {
            const row = rows[0]
            if (row === undefined) return undefined
            const { passwordHash, ...user } = row
            return { user, passwordHash }
          })
        ),
    passwordHash: (q, id) =>
      q(
        "read a password hash",
        (sql) => sql<Array<{ hash: string }>>`select coalesce("password", '') as "hash" from "user" where "id" = ${id}`
      ).pipe(
        Effect.map((rows) => rows[0]?.hash ?? "")
      ),
    adminWithPassword: (q) =>
      q("look for an admin with a password", (sql) =>
        sql`select 1 from "user"
            where "isAdmin" and "deletedAt" is null and coalesce("password", '') <> '' limit 1`).pipe(
          Effect.map((rows) => rows.length > 0)
        ),
    emailTaken: (q, email, exceptId) =>
      q("look for an e-mail", (sql) =>
        sql`select 1 from "user" where "email" = ${email}
            and ${exceptId === undefined ? sql`true` : sql`"id" <> ${exceptId}`} limit 1`).pipe(
          Effect.map((rows) => rows.length > 0)
        ),
    create: createUser,
    update: (q, id, changes) => {
      const flag = schema.userShouldChangePassword && changes.passwordHash !== undefined
        ? { shouldChangePassword: false }
        : {}
      const set = {
        ...(changes.email === undefined ? {} : { email: changes.email }),
        ...(changes.name === undefined ? {} : { name: changes.name }),
        ...(changes.passwordHash === undefined ? {} : { password: changes.passwordHash }),
        ...flag
      }
      const write = Object.keys(set).length === 0
        ? Effect.void
        : q("update a user", (sql) => sql`update "user" set ${sql(set)} where "id" = ${id}`)
      return Effect.andThen(write, selectUser(q, id))
    }
  }
}
