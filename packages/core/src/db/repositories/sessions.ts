import * as Effect from "effect/Effect"
import type { Query } from "../Database.ts"
import type { DatabaseError } from "../errors.ts"
import type { ImmichSchema } from "./immichSchema.ts"
import { userColumns } from "./users.ts"
import type { UserRow } from "./users.ts"

/** A row of Immich's `session` table as the server needs it. */
export interface SessionRow {
  readonly id: string
  readonly userId: string
  readonly updatedAt: Date
  readonly appVersion: string | null
}

export interface SessionWithUser {
  readonly user: UserRow
  readonly session: SessionRow
}

/** What a client says about itself when it logs in (upstream reads it from the User-Agent). */
export interface SessionDevice {
  readonly deviceType: string
  readonly deviceOS: string
  readonly appVersion: string | null
}

/**
 * Immich's `session` table: one row per login. `token` holds the SHA-256 digest of the client's token in
 * base64, never the token itself, so a copy of the database logs nobody in. The columns used here are the
 * same in upstream v2.7, v3.2 and our own schema.
 */
export interface SessionRepository {
  readonly create: (
    q: Query,
    userId: string,
    tokenDigest: string,
    device: SessionDevice
  ) => Effect.Effect<string, DatabaseError>
  /** The session with this token digest and its user, unless it expired or the user is deleted. */
  readonly findWithUser: (tokenDigest: string) => Effect.Effect<SessionWithUser | undefined, DatabaseError>
  /** Marks the session as used now (upstream refreshes `updatedAt` at most hourly), and its app version. */
  readonly touch: (id: string, appVersion: string | null) => Effect.Effect<void, DatabaseError>
  readonly remove: (q: Query, id: string) => Effect.Effect<void, DatabaseError>
  /** Ends every session of a user but `keepId` (a password change that logs other devices out). */
  readonly removeOthers: (q: Query, userId: string, keepId: string | undefined) => Effect.Effect<void, DatabaseError>
}

export const makeSessionRepository = (query: Query, schema: ImmichSchema): SessionRepository => {
  const columns = userColumns(schema)
  return {
    create: (q, userId, tokenDigest, device) =>
      q("create a session", (sql) =>
        sql<Array<{ id: string }>>`
          insert into "session" ("token", "userId", "deviceType", "deviceOS", "appVersion")
          values (${tokenDigest}, ${userId}, ${device.deviceType}, ${device.deviceOS}, ${device.appVersion})
          returning "id"`).pipe(Effect.map((rows) => rows[0]!.id)),
    findWithUser: (tokenDigest) =>
      query(
        "check a session token",
        (sql) =>
          sql<Array<UserRow & { sessionId: string; sessionUpdatedAt: Date; appVersion: string | null }>>`
          select ${sql.unsafe(columns)}, s."id" as "sessionId", s."updatedAt" as "sessionUpdatedAt", s."appVersion"
          from "session" s join "user" u on u."id" = s."userId"
          where s."token" = ${tokenDigest} and u."deletedAt" is null
            and (s."expiresAt" is null or s."expiresAt" > now())
          limit 1`
      ).pipe(
        Effect.map((rows) => {
          const row = rows[0]
          if (row === undefined) return undefined
          const { appVersion, sessionId, sessionUpdatedAt, ...user } = row
          return { user, session: { id: sessionId, userId: user.id, updatedAt: sessionUpdatedAt, appVersion } }
        })
      ),
    touch: (id, appVersion) =>
      query(
        "refresh a session",
        (sql) => sql`update "session" set "updatedAt" = now(), "appVersion" = ${appVersion} where "id" = ${id}`
      ).pipe(Effect.asVoid),
    remove: (q, id) => q("end a session", (sql) => sql`delete from "session" where "id" = ${id}`).pipe(Effect.asVoid),
    removeOthers: (q, userId, keepId) =>
      q("end a user's other sessions", (sql) =>
        sql`delete from "session" where "userId" = ${userId}
            and ${keepId === undefined ? sql`true` : sql`"id" <> ${keepId}`}`).pipe(Effect.asVoid)
  }
}
