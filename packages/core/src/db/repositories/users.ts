import * as Effect from "effect/Effect"
import type { Query } from "../Database.ts"
import type { DatabaseError } from "../errors.ts"
import type { ImmichSchema } from "./immichSchema.ts"
import { makeAccountStatements } from "./userAccounts.ts"

/** A row of Immich's `user` table as the API needs it. */
export interface UserRow {
  readonly id: string
  readonly email: string
  readonly name: string
  readonly isAdmin: boolean
  readonly profileImagePath: string
  readonly profileChangedAt: Date
  readonly storageLabel: string | null
  readonly quotaSizeInBytes: string | null
  readonly quotaUsageInBytes: string
  readonly status: string
  readonly createdAt: Date
  readonly updatedAt: Date
  readonly deletedAt: Date | null
  /** Since v3.2 every user belongs to a cluster group; null in older schemas. */
  readonly clusterGroupId: string | null
  /** Upstream's flag (its default is true); always false in our own schema, which has no such column. */
  readonly shouldChangePassword: boolean
}

/** The columns of `UserRow` from `"user"` aliased `u`, for SELECTs that join other tables. */
export const userColumns = (schema: ImmichSchema): string =>
  `u."id", u."email", u."name", u."isAdmin", u."profileImagePath", u."profileChangedAt", u."storageLabel",
   u."quotaSizeInBytes"::text as "quotaSizeInBytes", u."quotaUsageInBytes"::text as "quotaUsageInBytes", u."status",
   u."createdAt", u."updatedAt", u."deletedAt",
   ${schema.userClusterGroup ? `u."clusterGroupId"` : `null::uuid as "clusterGroupId"`},
   ${schema.userShouldChangePassword ? `u."shouldChangePassword"` : `false as "shouldChangePassword"`}`

export interface UserRepository {
  /** The oldest admin who is not deleted. */
  readonly firstAdmin: (q: Query) => Effect.Effect<string | undefined, DatabaseError>
  /**
   * Creates an admin user. In a v3.2 schema the user needs a cluster group of its own, created in the same
   * statement as upstream's sign-up does.
   */
  readonly createAdmin: (q: Query, email: string, name: string) => Effect.Effect<string, DatabaseError>
  /** The user with exactly this e-mail, unless deleted, and their bcrypt hash ("" when they have none). */
  readonly findForLogin: (q: Query, email: string) => Effect.Effect<UserWithPassword | undefined, DatabaseError>
  /** A user's bcrypt hash, "" when they have none (upstream v3.2: null; v2.7 and ours: ''). */
  readonly passwordHash: (q: Query, id: string) => Effect.Effect<string, DatabaseError>
  /** Whether an admin who is not deleted can log in with a password. */
  readonly adminWithPassword: (q: Query) => Effect.Effect<boolean, DatabaseError>
  /** Whether another user (deleted ones too: the column is unique) holds this e-mail. */
  readonly emailTaken: (q: Query, email: string, exceptId?: string) => Effect.Effect<boolean, DatabaseError>
  /** Creates a user; in a v3.2 schema with a cluster group of their own, as upstream does. */
  readonly create: (q: Query, user: NewUser) => Effect.Effect<UserRow, DatabaseError>
  /** Changes what is given; a new password also clears upstream's `shouldChangePassword`. */
  readonly update: (q: Query, id: string, changes: UserChanges) => Effect.Effect<UserRow | undefined, DatabaseError>
}

export interface UserWithPassword {
  readonly user: UserRow
  readonly passwordHash: string
}

export interface NewUser {
  readonly email: string
  readonly name: string
  readonly passwordHash: string
  readonly isAdmin: boolean
  readonly storageLabel: string | null
  readonly quotaSizeInBytes: number | null
  /** Upstream's flag; ignored where the column does not exist. */
  readonly shouldChangePassword: boolean
}

export interface UserChanges {
  readonly email?: string | undefined
  readonly name?: string | undefined
  readonly passwordHash?: string | undefined
}

export const makeUserRepository = (schema: ImmichSchema): UserRepository => ({
  ...makeAccountStatements(schema),
  firstAdmin: (q) =>
    q("find the admin user", (sql) =>
      sql<Array<{ id: string }>>`
        select "id" from "user" where "isAdmin" and "deletedAt" is null order by "createdAt", "id" limit 1`).pipe(
        Effect.map((rows) => rows[0]?.id)
      ),
  createAdmin: (q, email, name) =>
    q("create the admin user", (sql) =>
      schema.userClusterGroup
        ? sql<Array<{ id: string }>>`
            with g as (insert into "cluster_group" default values returning "id")
            insert into "user" ("email", "name", "isAdmin", "clusterGroupId")
            select ${email}, ${name}, true, g."id" from g
            returning "id"`
        : sql<Array<{ id: string }>>`
            insert into "user" ("email", "name", "isAdmin") values (${email}, ${name}, true) returning "id"`).pipe(
        Effect.map((rows) => rows[0]!.id)
      )
})
