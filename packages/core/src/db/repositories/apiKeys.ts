import * as Effect from "effect/Effect"
import type { Query } from "../Database.ts"
import type { DatabaseError } from "../errors.ts"
import type { ImmichSchema } from "./immichSchema.ts"
import { userColumns } from "./users.ts"
import type { UserRow } from "./users.ts"

export interface ApiKeyRow {
  readonly id: string
  readonly name: string
  readonly createdAt: Date
  readonly updatedAt: Date
  readonly permissions: ReadonlyArray<string>
}

export interface ApiKeyWithUser {
  user: UserRow
  apiKey: ApiKeyRow
}

export interface KeyHolder {
  readonly isAdmin: boolean
}

export interface NewApiKey {
  userId: string
  name: string
  digest: Buffer
  permissions: ReadonlyArray<string>
}

export interface ApiKeyRepository {
  /** The key with this SHA-256 digest and its user, unless the user is deleted. */
  readonly findWithUser: (digest: Buffer) => Effect.Effect<ApiKeyWithUser | undefined, DatabaseError>
  /** Whether the users holding this digest are admins (one entry per holder). */
  readonly holders: (q: Query, digest: Buffer) => Effect.Effect<ReadonlyArray<KeyHolder>, DatabaseError>
  readonly insert: (q: Query, key: NewApiKey) => Effect.Effect<void, DatabaseError>
}

type KeyAndUserRow = UserRow & {
  keyId: string
  keyName: string
  keyCreatedAt: Date
  keyUpdatedAt: Date
  permissions: Array<string>
}

export const makeApiKeyRepository = (query: Query, schema: ImmichSchema): ApiKeyRepository => {
  const columns = userColumns(schema)
  return {
    findWithUser: (digest) =>
      query("check an API key", (sql) =>
        sql<Array<KeyAndUserRow>>`
          select ${sql.unsafe(columns)}, k."id" as "keyId", k."name" as "keyName", k."createdAt" as "keyCreatedAt",
                 k."updatedAt" as "keyUpdatedAt", k."permissions"
          from "api_key" k join "user" u on u."id" = k."userId"
          where k."key" = ${digest} and u."deletedAt" is null
          limit 1`).pipe(
          Effect.map((rows) => {
            const row = rows[0]
            if (row === undefined) return undefined
            const { keyCreatedAt, keyId, keyName, keyUpdatedAt, permissions, ...user } = row
            const apiKey = { id: keyId, name: keyName, createdAt: keyCreatedAt, updatedAt: keyUpdatedAt, permissions }
            return { user, apiKey }
          })
        ),
    holders: (q, digest) =>
      q("look up an API key's holders", (sql) =>
        sql<Array<{ isAdmin: boolean }>>`
          select u."isAdmin" from "api_key" k join "user" u on u."id" = k."userId"
          where k."key" = ${digest}`),
    insert: (q, key) =>
      q("create an API key", (sql) =>
        sql`insert into "api_key" ("name", "key", "userId", "permissions")
            values (${key.name}, ${key.digest}, ${key.userId}, ${sql.array(key.permissions as Array<string>)})`)
        .pipe(Effect.asVoid)
  }
}
