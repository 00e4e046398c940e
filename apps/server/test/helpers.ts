import { DeleteObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from "@aws-sdk/client-s3"
import { isTempFileName } from "@immich-storage/core"
import {
  connectTo,
  createTestBucket,
  createTestDatabase,
  insertUserRow,
  makeTempDir,
  rawS3Client,
  s3TestEnv,
  startS3Proxy,
  startServer
} from "@immich-storage/testkit"
import type { RunningServer, TempDir, TestDatabase } from "@immich-storage/testkit"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs/promises"
import * as http from "node:http"
import * as path from "node:path"
import type postgres from "postgres"
import sharp from "sharp"
import { hashApiKey } from "../src/auth/apiKeys.ts"

export const ADMIN_KEY = "test-admin-key-0123456789abcdefghij"

export { CLI_MAIN, SERVER_MAIN } from "@immich-storage/testkit"

export type EngineName = "local" | "s3"

/** One server under test with everything it needs, and ways to look behind it (DB, storage). */
export interface ServerUnderTest {
  readonly engine: EngineName
  readonly server: RunningServer
  readonly database: TestDatabase
  readonly env: Record<string, string>
  /** The media location's base as stored in the database. */
  readonly base: string
  /** Lists every stored key below `prefix`, without the integrity markers. */
  readonly listKeys: (prefix: string) => Promise<Array<string>>
  /** Leftovers of interrupted writes: temp files on disk, incomplete multipart uploads on S3. */
  readonly incompleteWrites: () => Promise<number>
  /** Deletes a stored file behind the server's back (a lost disk, a lifecycle rule). */
  readonly removeKey: (key: string) => Promise<void>
  readonly sql: postgres.Sql
  readonly stop: () => Promise<void>
}

export interface StorageUnderTest {
  readonly engine: EngineName
  readonly env: Record<string, string>
  readonly base: string
  readonly listKeys: (prefix: string) => Promise<Array<string>>
  readonly incompleteWrites: () => Promise<number>
  readonly removeKey: (key: string) => Promise<void>
  readonly cleanUp: () => Promise<void>
}

const walk = async (dir: string): Promise<Array<string>> => {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name))
}

export const localStorage = async (temp?: TempDir): Promise<StorageUnderTest> => {
  const dir = temp ?? (await makeTempDir())
  const media = path.join(dir.path, "media")
  return {
    engine: "local",
    env: { IMMICH_MEDIA_LOCATION: media },
    base: media,
    listKeys: async (prefix) =>
      (await walk(path.join(media, prefix)))
        .map((f) => path.relative(media, f))
        .filter((k) => !k.endsWith("/.immich") && !isTempFileName(path.basename(k)))
        .sort(),
    incompleteWrites: async () => (await walk(media)).filter((f) => isTempFileName(path.basename(f))).length,
    removeKey: (key) => fs.rm(path.join(media, key)),
    cleanUp: () => dir.remove()
  }
}

/** A bucket on the test S3 server, reached by the server through a recording proxy. */
export const s3Storage = async (endpoint: string, bucket?: string): Promise<StorageUnderTest> => {
  const name = bucket ?? (await createTestBucket(endpoint))
  const client = rawS3Client(endpoint)
  const proxy = await startS3Proxy(endpoint)
  return {
    engine: "s3",
    env: { IMMICH_STORAGE_ENGINE: "s3", ...s3TestEnv(proxy.endpoint, name, "immich") },
    base: `s3://${name}/immich`,
    listKeys: async (prefix) => {
      const keys: Array<string> = []
      let ContinuationToken: string | undefined
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: name,
            Prefix: `immich/${prefix}`,
            ...(ContinuationToken === undefined ? {} : { ContinuationToken })
          })
        )
        for (const o of page.Contents ?? []) keys.push(o.Key!.slice("immich/".length))
        ContinuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined
      } while (ContinuationToken !== undefined)
      return keys.filter((k) => !k.endsWith("/.immich")).sort()
    },
    incompleteWrites: async () =>
      (await client.send(new ListMultipartUploadsCommand({ Bucket: name, Prefix: "immich/" }))).Uploads?.length ?? 0,
    removeKey: async (key) => void (await client.send(new DeleteObjectCommand({ Bucket: name, Key: `immich/${key}` }))),
    cleanUp: async () => {
      client.destroy()
      await proxy.stop()
    }
  }
}

/** Starts the server on `storage` with a fresh database and a known admin key. */
export const startServerOn = async (
  storage: StorageUnderTest,
  extraEnv: Record<string, string> = {},
  database?: TestDatabase
): Promise<ServerUnderTest> => {
  const db = database ?? (await createTestDatabase())
  const env = {
    ...storage.env,
    DB_DATABASE_NAME: db.name,
    IMMICH_ADMIN_API_KEY: ADMIN_KEY,
    DB_BACKUP_ENABLED: "false",
    ...extraEnv
  }
  const server = await startServer(env)
  const sql = connectTo(db.name, 2)
  return {
    engine: storage.engine,
    server,
    database: db,
    env,
    base: storage.base,
    listKeys: storage.listKeys,
    incompleteWrites: storage.incompleteWrites,
    removeKey: storage.removeKey,
    sql,
    stop: async () => {
      await server.stop()
      await sql.end()
    }
  }
}

/** A second, non-admin user (on any kind of test database) with an API key of its own. */
export const createUser = async (sql: postgres.Sql, email: string): Promise<{ id: string; key: string }> => {
  const key = randomBytes(24).toString("base64url")
  // On upstream v3.2 a user needs a cluster group: insertUserRow detects the column.
  const id = await insertUserRow(sql, { email, name: email })
  await sql`
    insert into "api_key" ("name", "key", "userId", "permissions")
    values ('test', ${hashApiKey(key)}, ${id}, ${sql.array(["all"])})`
  return { id, key }
}

export interface UploadFields {
  readonly fileCreatedAt?: string
  readonly fileModifiedAt?: string
  readonly deviceAssetId?: string
  readonly deviceId?: string
  readonly sidecar?: Uint8Array
  /** Send neither `deviceAssetId` nor `deviceId`, as `@immich/cli` 3.x does (upstream v3 dropped them). */
  readonly withoutDeviceFields?: boolean
}

/** `POST /api/assets` as Immich's uploader sends it (fields first, then the file, then the sidecar). */
export const upload = async (
  url: string,
  key: string,
  fileName: string,
  bytes: Uint8Array,
  fields: UploadFields = {}
) => {
  const form = new FormData()
  if (fields.withoutDeviceFields !== true) {
    form.append("deviceAssetId", fields.deviceAssetId ?? `${fileName}-${bytes.length}`)
    form.append("deviceId", fields.deviceId ?? "test")
  }
  form.append("fileCreatedAt", fields.fileCreatedAt ?? "2024-05-01T10:00:00.000Z")
  form.append("fileModifiedAt", fields.fileModifiedAt ?? "2024-05-01T10:00:00.000Z")
  form.append("isFavorite", "false")
  form.append("assetData", new Blob([bytes]), fileName)
  if (fields.sidecar !== undefined) form.append("sidecarData", new Blob([fields.sidecar]), `${fileName}.xmp`)
  const response = await fetch(`${url}/api/assets`, { method: "POST", headers: { "x-api-key": key }, body: form })
  return { status: response.status, body: (await response.json()) as { id: string; status: string; message?: string } }
}

export const get = (
  url: string,
  key: string | undefined,
  headers: Record<string, string> = {},
  redirect: "follow" | "manual" = "follow"
) => fetch(url, { headers: { ...(key === undefined ? {} : { "x-api-key": key }), ...headers }, redirect })

export const bytesOf = async (response: Response): Promise<Buffer> => Buffer.from(await response.arrayBuffer())

/** A real JPEG with a gradient, so that thumbnails have something to show. */
export const makeJpeg = (width: number, height: number, seed = 0): Promise<Buffer> => {
  const pixels = Buffer.alloc(width * height * 3)
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7 + seed * 31) % 251
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer()
}

/** Polls until `check` returns a value (or throws after `timeoutMs`). */
export const eventually = async <A>(check: () => Promise<A | undefined>, timeoutMs = 15_000): Promise<A> => {
  const started = Date.now()
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Stored files under `upload/` and `thumbs/` that no row refers to: there must never be any. */
export const orphans = async (sut: ServerUnderTest): Promise<Array<string>> => {
  const rows = await sut.sql<
    Array<{ path: string }>
  >`select "originalPath" as "path" from "asset" union all select "path" from "asset_file"`
  const referenced = new Set(rows.map((r) => r.path))
  const stored = [...(await sut.listKeys("upload")), ...(await sut.listKeys("thumbs"))]
  return stored.filter((key) => !referenced.has(`${sut.base}/${key}`))
}

export type RawAnswer =
  | { readonly status: number | undefined; readonly body: string; readonly headers: http.IncomingHttpHeaders }
  | "reset"

/**
 * `POST /api/assets` written by hand: the two required fields and the file's part header are sent now,
 * the file's bytes whenever the test writes them to `request`, and `end` closes the form.
 */
export const manualUpload = (url: string, key: string, fileName: string, headers: Record<string, string> = {}) => {
  const boundary = "----manual"
  const request = http.request(`${url}/api/assets`, {
    method: "POST",
    headers: { "x-api-key": key, "content-type": `multipart/form-data; boundary=${boundary}`, ...headers }
  })
  const answer = new Promise<RawAnswer>((resolve) => {
    request.on("response", (response) => {
      let body = ""
      response.on("data", (d) => (body += d))
      response.on("end", () => resolve({ status: response.statusCode, body, headers: response.headers }))
      response.on("error", () => resolve("reset"))
    })
    request.on("error", () => resolve("reset"))
  })
  request.write(
    `--${boundary}\r\nContent-Disposition: form-data; name="fileCreatedAt"\r\n\r\n2024-01-01T00:00:00Z\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="fileModifiedAt"\r\n\r\n2024-01-01T00:00:00Z\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="assetData"; filename="${fileName}"\r\n\r\n`
  )
  return { request, answer, end: () => request.end(`\r\n--${boundary}--\r\n`) }
}

/** A multipart upload whose body arrives slowly and never ends, as from a client on a slow line. */
export const slowUpload = (url: string, key: string) => {
  const slow = manualUpload(url, key, "slow.mov", { "content-length": String(1024 * 1024 * 1024) })
  for (let i = 0; i < 18; i++) slow.request.write(randomBytes(1024 * 1024))
  return slow
}
