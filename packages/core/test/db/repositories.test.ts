import { Database, makeDatabase, Repositories } from "@immich-storage/core"
import type { NewAsset, RepositoriesShape } from "@immich-storage/core"
import { createImmichDatabase, createTestDatabase, schemaSnapshot, TEST_POSTGRES } from "@immich-storage/testkit"
import type { SchemaSnapshot, TestDatabase } from "@immich-storage/testkit"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { randomBytes, randomUUID } from "node:crypto"
import postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testDatabaseSettings } from "./helpers.ts"

/** The server's repositories (schema prepared as at boot) on `name`, for one Effect program. */
const withRepositories = <A>(
  name: string,
  use: (repos: RepositoriesShape, db: Context.Service.Shape<typeof Database>) => Effect.Effect<A, unknown>
) =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const db = yield* makeDatabase(testDatabaseSettings(name))
    const context = yield* Layer.build(Repositories.layerPrepared.pipe(Layer.provide(Layer.succeed(Database, db))))
    return yield* use(Context.get(context, Repositories), db)
  })))

const newAsset = (ownerId: string, fields: Partial<NewAsset> = {}): NewAsset => ({
  id: randomUUID(),
  ownerId,
  deviceAssetId: null,
  deviceId: null,
  visibility: "timeline",
  type: "VIDEO",
  originalPath: `/data/upload/${ownerId}/ab/cd/${randomUUID()}.mp4`,
  originalFileName: "clip.mp4",
  checksum: randomBytes(20),
  fileCreatedAt: new Date("2024-05-01T10:00:00Z"),
  fileModifiedAt: new Date("2024-05-01T10:00:00Z"),
  isFavorite: false,
  duration: 5250,
  fileSize: 1234,
  sidecarPath: "/data/upload/x/ab/cd/clip.mp4.xmp",
  ...fields
})

describe.each(["v2.7", "v3.2"] as const)("repositories on upstream Immich %s's schema", (version) => {
  let database: TestDatabase
  let sql: postgres.Sql
  let before: SchemaSnapshot

  beforeAll(async () => {
    database = await createImmichDatabase(version)
    sql = postgres({ ...TEST_POSTGRES, database: database.name, max: 1, onnotice: () => undefined })
    before = await schemaSnapshot(sql)
  })
  afterAll(async () => {
    await sql.end()
    await database.drop()
  })

  it("detects the version, creates the first admin and its key as upstream would, and alters nothing", async () => {
    const found = await withRepositories(database.name, (repos, db) =>
      Effect.gen(function*() {
        const adminId = yield* db.transaction((tx) => repos.users.createAdmin(tx, "admin@example.com", "Admin"))
        const digest = randomBytes(32)
        yield* db.transaction((tx) =>
          repos.apiKeys.insert(tx, { userId: adminId, name: "k", digest, permissions: ["all"] })
        )
        return { schema: repos.schema, key: yield* repos.apiKeys.findWithUser(digest) }
      }))
    expect(found.schema.managedByImmich).toBe(true)
    expect(found.schema.deviceColumns).toBe(version === "v2.7" ? "required" : "absent")
    expect(found.key?.user.isAdmin).toBe(true)
    if (version === "v3.2") {
      const [group] = await sql<
        Array<{ id: string }>
      >`select "clusterGroupId" as id from "user" where email = 'admin@example.com'`
      expect(found.key?.user.clusterGroupId).toBe(group!.id)
    } else {
      expect(found.key?.user.clusterGroupId).toBeNull()
    }
    expect(await schemaSnapshot(sql)).toEqual(before)
  })

  it("fills what the version requires, keeps durations in its shape, and deletes through upstream's triggers", async () => {
    const [owner] = await sql<Array<{ id: string }>>`select id from "user" where email = 'admin@example.com'`
    const ownerId = owner!.id
    const outcome = await withRepositories(database.name, (repos) =>
      Effect.gen(function*() {
        const plain = newAsset(ownerId)
        const sent = newAsset(ownerId, {
          deviceAssetId: "phone-42",
          deviceId: "phone",
          duration: null,
          sidecarPath: undefined
        })
        const created = yield* repos.assets.insert(plain)
        yield* repos.assets.insert(sent)
        const duplicate = yield* repos.assets.insert({ ...newAsset(ownerId), checksum: plain.checksum })
        const read = yield* repos.assets.find(ownerId, created.id)
        const paths = yield* repos.assets.delete(ownerId, [created.id])
        return { created, duplicate, read, paths, plain, sent }
      }))
    expect(outcome.duplicate).toEqual({ created: false, id: outcome.created.id })
    expect(outcome.read?.duration).toBe(5250)
    const [stored] = await sql<
      Array<{ duration: string | number | null }>
    >`select duration from asset where id = ${outcome.sent.id}`
    expect(stored!.duration).toBeNull()
    if (version === "v2.7") {
      const rows = await sql<Array<{ deviceAssetId: string; deviceId: string }>>`
        select "deviceAssetId", "deviceId" from asset where id = ${outcome.sent.id}`
      expect(rows[0]).toEqual({ deviceAssetId: "phone-42", deviceId: "phone" })
      expect(outcome.read).toMatchObject({ deviceAssetId: "clip.mp4-1234", deviceId: "CLI" })
    } else {
      expect(outcome.read).toMatchObject({ deviceAssetId: null, deviceId: null })
    }
    // The delete went through upstream's trigger (an audit row) and its cascade (the sidecar's row).
    expect(outcome.paths).toEqual([outcome.plain.originalPath, outcome.plain.sidecarPath])
    expect(await sql`select 1 from asset_audit where "assetId" = ${outcome.created.id}`).toHaveLength(1)
    expect(await sql`select 1 from asset_file where "assetId" = ${outcome.created.id}`).toHaveLength(0)
    expect(await schemaSnapshot(sql)).toEqual(before)
  })

  it("stores a duration as the version's column expects it", async () => {
    const [owner] = await sql<Array<{ id: string }>>`select id from "user" where email = 'admin@example.com'`
    const asset = newAsset(owner!.id, { sidecarPath: undefined })
    await withRepositories(database.name, (repos) => repos.assets.insert(asset))
    const [row] = await sql<Array<{ duration: string | number }>>`select duration from asset where id = ${asset.id}`
    expect(row!.duration).toBe(version === "v2.7" ? "0:00:05.250000" : 5250)
  })
})

describe("repositories on a database of our own", () => {
  it("create our tables in an empty database and name it ours", async () => {
    const database = await createTestDatabase()
    try {
      const schema = await withRepositories(database.name, (repos) => Effect.succeed(repos.schema))
      expect(schema).toMatchObject({
        empty: false,
        managedByImmich: false,
        deviceColumns: "absent",
        duration: "milliseconds"
      })
    } finally {
      await database.drop()
    }
  })
})
