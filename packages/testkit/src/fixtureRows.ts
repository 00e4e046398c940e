import type postgres from "postgres"
import { hasColumn } from "./databases.ts"

/**
 * Rows inserted by hand the way upstream Immich's server would insert them on the schema found: tests may
 * hold SQL, the apps may not. Each helper detects the columns it needs, so the same test runs on our own
 * schema, on upstream v2.7 (device columns, text duration) and on v3.2 (cluster groups, person groups).
 */

const firstId = (rows: ReadonlyArray<{ id: string }>): string => rows[0]!.id

/** A new `cluster_group` row's id (v3.2: every user and person group belongs to one). */
const newClusterGroup = async (sql: postgres.Sql): Promise<string> =>
  firstId(await sql<Array<{ id: string }>>`insert into "cluster_group" default values returning "id"`)

/** A user row; on a schema with `"user"."clusterGroupId"` (v3.2) with a cluster group of its own. */
export const insertUserRow = async (sql: postgres.Sql, fields: Record<string, string | boolean>): Promise<string> => {
  const group = (await hasColumn(sql, "user", "clusterGroupId")) ? { clusterGroupId: await newClusterGroup(sql) } : {}
  const row = { name: "", ...fields, ...group }
  return firstId(await sql<Array<{ id: string }>>`insert into "user" ${sql(row)} returning "id"`)
}

export interface AssetRowFields {
  readonly ownerId: string
  readonly originalPath: string
  readonly originalFileName: string
  readonly checksum: Buffer
  readonly type?: "IMAGE" | "VIDEO"
  readonly libraryId?: string
  /** Milliseconds; written as upstream's `H:MM:SS.ffffff` text where `duration` is text (v2). */
  readonly durationMs?: number
}

/** `H:MM:SS.ffffff`, upstream v2's duration text. */
export const durationText = (ms: number): string => {
  const hours = Math.floor(ms / 3_600_000)
  const minutes = String(Math.floor((ms % 3_600_000) / 60_000)).padStart(2, "0")
  const seconds = ((ms % 60_000) / 1000).toFixed(6).padStart(9, "0")
  return `${hours}:${minutes}:${seconds}`
}

/** An asset row with the NOT NULL columns of the schema found (v2.7's device columns and checksum algorithm). */
export const insertAssetRow = async (sql: postgres.Sql, fields: AssetRowFields): Promise<string> => {
  const { durationMs, ...plain } = fields
  const textDuration = (await sql<Array<{ type: string }>>`
    select data_type as type from information_schema.columns
    where table_schema = current_schema() and table_name = 'asset' and column_name = 'duration'`)[0]?.type !== "integer"
  const device = (await hasColumn(sql, "asset", "deviceAssetId"))
    ? { deviceAssetId: `${fields.originalFileName}-${fields.checksum.length}`, deviceId: "seed" }
    : {}
  const algorithm = (await hasColumn(sql, "asset", "checksumAlgorithm")) ? { checksumAlgorithm: "sha1" } : {}
  const duration = durationMs === undefined ? {} : { duration: textDuration ? durationText(durationMs) : durationMs }
  const now = new Date()
  const row = {
    type: "IMAGE",
    fileCreatedAt: now,
    fileModifiedAt: now,
    localDateTime: now,
    ...plain,
    ...device,
    ...algorithm,
    ...duration
  }
  return firstId(await sql<Array<{ id: string }>>`insert into "asset" ${sql(row)} returning "id"`)
}

/** A person with a face thumbnail; on v3.2 (no `person.id`) in a person group of the owner's cluster group. */
export const insertPersonRow = async (sql: postgres.Sql, ownerId: string, thumbnailPath: string): Promise<void> => {
  if (await hasColumn(sql, "person", "personGroupId")) {
    const [owner] = await sql<Array<{ clusterGroupId: string }>>`
      select "clusterGroupId" from "user" where "id" = ${ownerId}`
    const groups = await sql<Array<{ id: string }>>`
      insert into "person_group" ("clusterGroupId") values (${owner!.clusterGroupId}) returning "id"`
    const groupId = firstId(groups)
    await sql`
      insert into "person" ("personGroupId", "ownerId", "thumbnailPath")
      values (${groupId}, ${ownerId}, ${thumbnailPath})`
  } else {
    await sql`insert into "person" ("ownerId", "thumbnailPath") values (${ownerId}, ${thumbnailPath})`
  }
}
