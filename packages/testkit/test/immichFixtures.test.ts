import postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  createImmichDatabase,
  IMMICH_FIXTURE_VERSIONS,
  type ImmichFixtureVersion,
  schemaSnapshot,
  type TestDatabase
} from "../src/index.ts"

const connect = (database: TestDatabase) => postgres(database.url, { max: 1, onnotice: () => undefined })

/** What upstream's migrations leave, per version (IMMICH-FACTS.md "Schema by version"); undefined: no such column. */
const COLUMN_FACTS: Record<ImmichFixtureVersion, Record<string, string | undefined>> = {
  "v2.7": {
    "asset.deviceAssetId": "character varying not null",
    "asset.deviceId": "character varying not null",
    "asset.duration": "character varying null",
    "asset.checksumAlgorithm": "asset_checksum_algorithm_enum not null",
    "user.clusterGroupId": undefined,
    "person.id": "uuid not null",
    "person.personGroupId": undefined
  },
  "v3.2": {
    "asset.deviceAssetId": undefined,
    "asset.deviceId": undefined,
    "asset.duration": "integer null",
    "asset.checksumAlgorithm": "asset_checksum_algorithm_enum not null",
    "user.clusterGroupId": "uuid not null",
    "person.id": undefined,
    "person.personGroupId": "uuid not null"
  }
}

const KEY_FACTS: Record<ImmichFixtureVersion, ReadonlyArray<string>> = {
  "v2.7": ["person person_pkey: PRIMARY KEY (id)"],
  "v3.2": [
    "person person_pkey: PRIMARY KEY (\"ownerId\", \"personGroupId\")",
    "user user_clusterGroupId_fkey: FOREIGN KEY (\"clusterGroupId\") REFERENCES cluster_group(id) ON UPDATE CASCADE"
  ]
}

const TABLES = [
  "api_key",
  "asset",
  "asset_audit",
  "asset_face",
  "asset_file",
  "kysely_migrations",
  "library",
  "move_history",
  "person",
  "person_audit",
  "session",
  "stack",
  "system_metadata",
  "user",
  "user_audit"
]

/** A user as upstream's server creates one; in v3.2 every user belongs to a cluster group. */
const newUser = async (sql: postgres.Sql, version: ImmichFixtureVersion, email: string): Promise<string> => {
  const ids = (rows: ReadonlyArray<{ id: string }>) => rows[0]!.id
  const group = version === "v3.2"
    ? { clusterGroupId: ids(await sql<Array<{ id: string }>>`insert into cluster_group default values returning id`) }
    : {}
  return ids(await sql<Array<{ id: string }>>`insert into "user" ${sql({ email, name: "A", ...group })} returning id`)
}

/** A five-second video as upstream's server inserts it for that version (v2: device fields, text duration). */
const newVideo = async (sql: postgres.Sql, version: ImmichFixtureVersion, ownerId: string, name: string) => {
  const byVersion = version === "v2.7"
    ? { deviceAssetId: `${name}-1024`, deviceId: "CLI", duration: "0:00:05.000000" }
    : { duration: 5000 }
  const row = {
    ownerId,
    type: "VIDEO",
    originalPath: `/data/upload/${ownerId}/ab/cd/${name}`,
    originalFileName: name,
    checksum: Buffer.from(name),
    checksumAlgorithm: "sha1",
    fileCreatedAt: new Date(),
    fileModifiedAt: new Date(),
    localDateTime: new Date(),
    ...byVersion
  }
  const [asset] = await sql<Array<{ id: string; updatedAt: Date; updateId: string }>>`
    insert into asset ${sql(row)} returning id, "updatedAt", "updateId"`
  return asset!
}

/** The Unix milliseconds a version-7 UUID carries in its first 48 bits. */
const uuidV7Millis = (uuid: string) => Number.parseInt(uuid.replaceAll("-", "").slice(0, 12), 16)

describe.each(IMMICH_FIXTURE_VERSIONS)("Immich %s fixture", (version) => {
  let database: TestDatabase
  let sql: postgres.Sql

  beforeAll(async () => {
    database = await createImmichDatabase(version)
    sql = connect(database)
  })
  afterAll(async () => {
    await sql?.end()
    await database?.drop()
  })

  it("loads into stock PostgreSQL with upstream's tables and its migrator's rows", async () => {
    const tables = await sql<Array<{ name: string }>>`
      select table_name as name from information_schema.tables where table_schema = current_schema()`
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(TABLES))
    const migrations = await sql<Array<{ name: string }>>`select name from kysely_migrations order by name`
    expect(migrations.map((m) => m.name)).toContain("1744910873969-InitialMigration")
  })

  it("has the columns and keys upstream's migrations give this version", async () => {
    const columns = await sql<Array<{ name: string; shape: string }>>`
      select table_name || '.' || column_name as name,
        case when data_type = 'USER-DEFINED' then udt_name else data_type end
          || case when is_nullable = 'YES' then ' null' else ' not null' end as shape
      from information_schema.columns where table_schema = current_schema()`
    const shapes = new Map(columns.map((c) => [c.name, c.shape]))
    for (const [column, shape] of Object.entries(COLUMN_FACTS[version])) {
      expect({ column, shape: shapes.get(column) }).toEqual({ column, shape })
    }
    expect((await schemaSnapshot(sql)).constraints).toEqual(expect.arrayContaining([...KEY_FACTS[version]]))
  })

  it("refuses what the issue names: in v2.7 an asset without device fields, in v3.2 a groupless user", async () => {
    const ownerId = await newUser(sql, version, `refused-${version}@example.com`)
    const deviceless = {
      ownerId,
      type: "IMAGE",
      originalPath: "/data/x.jpg",
      originalFileName: "x.jpg",
      checksum: Buffer.from("x"),
      checksumAlgorithm: "sha1",
      fileCreatedAt: new Date(),
      fileModifiedAt: new Date(),
      localDateTime: new Date()
    }
    const refused = version === "v2.7"
      ? sql`insert into asset ${sql(deviceless)}`
      : sql`insert into "user" ${sql({ email: "no-group@example.com" })}`
    await expect(refused).rejects.toMatchObject({
      code: "23502",
      column_name: version === "v2.7" ? "deviceAssetId" : "clusterGroupId"
    })
  })

  it("fills updateId with a version-7 UUID on insert and moves updatedAt and updateId on update", async () => {
    const ownerId = await newUser(sql, version, `triggers-${version}@example.com`)
    const inserted = await newVideo(sql, version, ownerId, "clip.mp4")
    const [clock] = await sql<Array<{ now: string }>>`
      select floor(extract(epoch from clock_timestamp()) * 1000)::bigint::text as now`
    expect(inserted.updateId[14]).toBe("7")
    expect(Math.abs(uuidV7Millis(inserted.updateId) - Number(clock!.now))).toBeLessThan(60_000)

    const [updated] = await sql<Array<{ updatedAt: Date; updateId: string }>>`
      update asset set "isFavorite" = true where id = ${inserted.id} returning "updatedAt", "updateId"`
    expect(updated!.updatedAt.getTime()).toBeGreaterThan(inserted.updatedAt.getTime())
    expect(updated!.updateId).not.toBe(inserted.updateId)
    expect(uuidV7Millis(updated!.updateId)).toBeGreaterThanOrEqual(uuidV7Millis(inserted.updateId))
  })

  it("writes asset_audit and cascades to asset_file when an asset is deleted", async () => {
    const ownerId = await newUser(sql, version, `delete-${version}@example.com`)
    const asset = await newVideo(sql, version, ownerId, "gone.mp4")
    await sql`insert into asset_file ("assetId", "type", "path") values
      (${asset.id}, 'thumbnail', '/data/thumbs/t.webp'), (${asset.id}, 'encoded_video', '/data/encoded-video/e.mp4')`
    const filesOf = (assetId: string) => sql`select id from asset_file where "assetId" = ${assetId}`
    expect((await filesOf(asset.id)).length).toBe(2)

    await sql`delete from asset where id = ${asset.id}`

    const audit = await sql`select "assetId", "ownerId" from asset_audit where "assetId" = ${asset.id}`
    expect([...audit]).toEqual([{ assetId: asset.id, ownerId }])
    expect((await filesOf(asset.id)).length).toBe(0)
  })
})

describe("schemaSnapshot", () => {
  const databases: Array<TestDatabase> = []
  const sessions: Array<postgres.Sql> = []
  const open = async (version: ImmichFixtureVersion) => {
    const database = await createImmichDatabase(version)
    databases.push(database)
    const sql = connect(database)
    sessions.push(sql)
    return sql
  }
  afterAll(async () => {
    for (const sql of sessions) await sql.end()
    for (const database of databases) await database.drop()
  })

  it("is the same twice for one database, and for two databases loaded from one fixture", async () => {
    const sql = await open("v3.2")
    const first = await schemaSnapshot(sql)
    expect(await schemaSnapshot(sql)).toEqual(first)
    expect(await schemaSnapshot(await open("v3.2"))).toEqual(first)
    expect(first.triggers.length).toBeGreaterThan(0)
    expect(first.enums).toContain("asset_checksum_algorithm_enum (sha1, sha1-path)")
    expect(first.functions.some((f) => f.startsWith("immich_uuid_v7("))).toBe(true)
  })

  it("tells the two versions apart", async () => {
    expect(await schemaSnapshot(await open("v2.7"))).not.toEqual(await schemaSnapshot(await open("v3.2")))
  })

  it("changes when a column is added, a trigger dropped or an enum value added", async () => {
    const sql = await open("v2.7")
    const before = await schemaSnapshot(sql)
    await sql`alter table asset add column if not exists "deviceAssetId" character varying`
    expect(await schemaSnapshot(sql)).toEqual(before)

    await sql`alter table asset add column "extra" text`
    const added = await schemaSnapshot(sql)
    expect(added.columns.filter((c) => !before.columns.includes(c))).toEqual(["asset.extra #31 text null"])

    await sql`drop trigger "asset_updatedAt" on asset`
    await sql`alter type asset_visibility_enum add value 'extra'`
    const after = await schemaSnapshot(sql)
    expect(before.triggers.filter((t) => !after.triggers.includes(t))).toEqual([
      expect.stringContaining("CREATE TRIGGER \"asset_updatedAt\" BEFORE UPDATE ON public.asset")
    ])
    expect(after.enums).toContain("asset_visibility_enum (archive, timeline, hidden, locked, extra)")
  })

  it("changes when an index is created, a constraint dropped, or a column made nullable", async () => {
    const sql = await open("v3.2")
    const before = await schemaSnapshot(sql)
    await sql`create index "asset_extra_idx" on asset ("originalFileName")`
    await sql`alter table "user" drop constraint "user_clusterGroupId_fkey"`
    await sql`alter table "user" alter column "clusterGroupId" drop not null`
    const after = await schemaSnapshot(sql)
    expect(after.indexes.filter((i) => !before.indexes.includes(i))).toEqual([
      "CREATE INDEX asset_extra_idx ON public.asset USING btree (\"originalFileName\")"
    ])
    expect(before.constraints.filter((c) => !after.constraints.includes(c))).toEqual([
      "user user_clusterGroupId_fkey: FOREIGN KEY (\"clusterGroupId\") REFERENCES cluster_group(id) ON UPDATE CASCADE"
    ])
    expect(after.columns.filter((c) => !before.columns.includes(c))).toEqual([
      expect.stringMatching(/^user\.clusterGroupId #\d+ uuid null$/)
    ])
  })
})
