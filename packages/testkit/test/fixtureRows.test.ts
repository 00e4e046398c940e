import postgres from "postgres"
import { afterAll, describe, expect, it } from "vitest"
import {
  createDatabaseOfKind,
  durationText,
  hasColumn,
  insertAssetRow,
  insertPersonRow,
  insertUserRow,
  TEST_DATABASE_KINDS
} from "../src/index.ts"
import type { TestDatabase } from "../src/index.ts"

const opened: Array<{ database: TestDatabase; sql: postgres.Sql }> = []
afterAll(async () => {
  for (const { database, sql } of opened) {
    await sql.end()
    await database.drop()
  }
})

describe("durationText", () => {
  it("writes upstream v2's H:MM:SS.ffffff", () => {
    expect(durationText(5250)).toBe("0:00:05.250000")
    expect(durationText(0)).toBe("0:00:00.000000")
    expect(durationText(3_723_004)).toBe("1:02:03.004000")
  })
})

describe("rows inserted as upstream would, on each kind of test database", () => {
  it.each(TEST_DATABASE_KINDS.filter((kind) => kind !== "own"))(
    "%s: a user, a video and a person, with every NOT NULL column upstream requires",
    async (kind) => {
      const database = await createDatabaseOfKind(kind)
      const sql = postgres(database.url, { max: 1, onnotice: () => undefined })
      opened.push({ database, sql })
      const owner = await insertUserRow(sql, { email: "o@example.com" })
      const [user] = await sql<Array<Record<string, unknown>>>`select * from "user" where "id" = ${owner}`
      expect(user!["clusterGroupId"] ?? null).toEqual(kind === "v3.2" ? expect.any(String) : null)

      const asset = await insertAssetRow(sql, {
        ownerId: owner,
        type: "VIDEO",
        originalPath: "/data/upload/v.mp4",
        originalFileName: "v.mp4",
        checksum: Buffer.from("v"),
        durationMs: 5250
      })
      const [row] = await sql<Array<Record<string, unknown>>>`select * from "asset" where "id" = ${asset}`
      expect(row!["duration"]).toBe(kind === "v2.7" ? "0:00:05.250000" : 5250)
      expect(await hasColumn(sql, "asset", "deviceAssetId")).toBe(kind === "v2.7")

      await insertPersonRow(sql, owner, "/data/thumbs/p.jpeg")
      expect(await sql`select "thumbnailPath" from "person" where "ownerId" = ${owner}`).toEqual([{
        thumbnailPath: "/data/thumbs/p.jpeg"
      }])
    }
  )

  it("an own (empty) database is one we created: no upstream tables", async () => {
    const database = await createDatabaseOfKind("own")
    const sql = postgres(database.url, { max: 1, onnotice: () => undefined })
    opened.push({ database, sql })
    expect(await hasColumn(sql, "user", "id")).toBe(false)
  })
})
