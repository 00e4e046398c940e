import { Database, makeDatabase, Repositories } from "@immich-storage/core"
import type { DatabaseShape, RepositoriesShape } from "@immich-storage/core"
import { createDatabaseOfKind, schemaSnapshot, TEST_POSTGRES } from "@immich-storage/testkit"
import type { SchemaSnapshot, TestDatabase } from "@immich-storage/testkit"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testDatabaseSettings } from "./helpers.ts"

const withRepositories = <A>(
  name: string,
  use: (repos: RepositoriesShape, db: DatabaseShape) => Effect.Effect<A, unknown>
) =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const db = yield* makeDatabase(testDatabaseSettings(name))
    const context = yield* Layer.build(Repositories.layerPrepared.pipe(Layer.provide(Layer.succeed(Database, db))))
    return yield* use(Context.get(context, Repositories), db)
  })))

const device = { deviceType: "Firefox", deviceOS: "Linux", appVersion: null }

/**
 * The accounts and sessions statements on each schema they run on: our own (where the `session` table is
 * created at start), and upstream's v2.7 and v3.2 (where it exists and nothing may change).
 */
describe.each(["own", "v2.7", "v3.2"] as const)("users and sessions on a %s database", (kind) => {
  let database: TestDatabase
  let sql: postgres.Sql
  let before: SchemaSnapshot | undefined

  beforeAll(async () => {
    database = await createDatabaseOfKind(kind)
    sql = postgres({ ...TEST_POSTGRES, database: database.name, max: 1, onnotice: () => undefined })
    before = kind === "own" ? undefined : await schemaSnapshot(sql)
  })
  afterAll(async () => {
    await sql.end()
    await database.drop()
  })

  it("creates, finds, refreshes and ends sessions by the token's digest; an expired one is not found", async () => {
    const result = await withRepositories(database.name, ({ sessions, users }, db) =>
      Effect.gen(function*() {
        const user = yield* db.transaction((tx) =>
          users.create(tx, {
            email: "a@example.com",
            name: "A",
            passwordHash: "$2b$10$x",
            isAdmin: false,
            storageLabel: null,
            quotaSizeInBytes: null,
            shouldChangePassword: true
          })
        )
        const login = yield* users.findForLogin(db.query, "a@example.com")
        const first = yield* sessions.create(db.query, user.id, "digest-1", device)
        const second = yield* sessions.create(db.query, user.id, "digest-2", device)
        const found = yield* sessions.findWithUser("digest-1")
        yield* sessions.touch(first, "1.2.3")
        const touched = yield* sessions.findWithUser("digest-1")
        yield* sessions.removeOthers(db.query, user.id, first)
        const secondAfter = yield* sessions.findWithUser("digest-2")
        yield* sessions.remove(db.query, first)
        const firstAfter = yield* sessions.findWithUser("digest-1")
        return { user, login, first, second, found, touched, secondAfter, firstAfter }
      }))
    expect(result.login).toMatchObject({
      passwordHash: "$2b$10$x",
      user: { id: result.user.id, email: "a@example.com" }
    })
    // Upstream's flag where the column exists (its default is true); our own schema has none.
    expect(result.user.shouldChangePassword).toBe(kind !== "own")
    expect(result.found).toMatchObject({
      user: { id: result.user.id },
      session: { id: result.first, appVersion: null }
    })
    expect(result.touched?.session.appVersion).toBe("1.2.3")
    expect(result.secondAfter).toBeUndefined()
    expect(result.firstAfter).toBeUndefined()

    const [row] = await sql`insert into "session" ("token", "userId") values ('digest-old', ${result.user.id})
                            returning "id"`
    await sql`update "session" set "expiresAt" = now() - interval '1 minute' where "id" = ${row!["id"] as string}`
    expect(await withRepositories(database.name, ({ sessions }) => sessions.findWithUser("digest-old"))).toBeUndefined()
    await sql`update "user" set "deletedAt" = now() where "id" = ${result.user.id}`
    await sql`update "session" set "expiresAt" = null where "id" = ${row!["id"] as string}`
    expect(await withRepositories(database.name, ({ sessions }) => sessions.findWithUser("digest-old"))).toBeUndefined()
  })

  it("reads a password whether upstream's v3.2 left it null or v2.7 and ours left it empty", async () => {
    await sql`update "user" set "password" = ${kind === "v3.2" ? null : ""}, "isAdmin" = true, "deletedAt" = null`
    const [withPassword, login] = await withRepositories(
      database.name,
      ({ users }, db) => Effect.all([users.adminWithPassword(db.query), users.findForLogin(db.query, "a@example.com")])
    )
    expect(withPassword).toBe(false)
    expect(login?.passwordHash).toBe("")
    await sql`update "user" set "password" = '$2b$10$y'`
    expect(await withRepositories(database.name, ({ users }, db) => users.adminWithPassword(db.query))).toBe(true)
    if (before !== undefined) expect(await schemaSnapshot(sql)).toEqual(before)
  })
})
