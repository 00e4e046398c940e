import { assert, describe, it } from "@effect/vitest"
import {
  Database,
  DATABASE_DEFAULTS,
  localLocation,
  makeDatabase,
  makeLocalEngine,
  Repositories,
  StorageEngine
} from "@immich-storage/core"
import { createTestDatabase, makeTempDir } from "@immich-storage/testkit"
import * as Effect from "effect/Effect"
import { Multipart } from "effect/http"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { createHash, randomBytes } from "node:crypto"
import { AssetService } from "../src/assets/AssetService.ts"
import { Thumbnailer } from "../src/assets/Thumbnailer.ts"
import { BadRequest } from "../src/http/ApiError.ts"

/** The asset service on a throwaway database and a local media folder: no HTTP server, no process. */
const services = Layer.unwrap(Effect.gen(function*() {
  const created = yield* Effect.acquireRelease(
    Effect.promise(() => createTestDatabase()),
    (db) => Effect.promise(() => db.drop())
  )
  const media = yield* Effect.acquireRelease(
    Effect.promise(() => makeTempDir()),
    (dir) => Effect.promise(() => dir.remove())
  )
  const { host, port } = DATABASE_DEFAULTS
  const settings = { host, port, user: "postgres", password: undefined, database: created.name }
  const base = Layer.mergeAll(
    Layer.effect(Database, makeDatabase(settings)),
    Layer.effect(StorageEngine, makeLocalEngine(localLocation(media.path)))
  )
  return AssetService.layer.pipe(
    Layer.provideMerge(Thumbnailer.layer),
    Layer.provideMerge(Repositories.layerPrepared),
    Layer.provideMerge(base)
  )
}))

const BOUNDARY = "asset-service-test"

/** The parts of a multipart body as effect's own parser yields them to the upload route. */
const formParts = (fields: Record<string, string>, file: { readonly name: string; readonly bytes: Uint8Array }) => {
  const text = Object.entries(fields).map(([name, value]) =>
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
  ).join("")
  const body = Buffer.concat([
    Buffer.from(`${text}--${BOUNDARY}\r\n`),
    Buffer.from(`Content-Disposition: form-data; name="assetData"; filename="${file.name}"\r\n\r\n`),
    file.bytes,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`)
  ])
  return Stream.make(new Uint8Array(body)).pipe(
    Stream.pipeThroughChannel(Multipart.makeChannel({ "content-type": `multipart/form-data; boundary=${BOUNDARY}` })),
    Stream.mapError((error) => new BadRequest({ reason: error.message }))
  )
}

const DATES = { fileCreatedAt: "2024-01-01T00:00:00Z", fileModifiedAt: "2024-01-02T00:00:00Z" }

const newOwner = Effect.gen(function*() {
  const { users } = yield* Repositories
  return yield* (yield* Database).transaction((tx) => users.createAdmin(tx, "owner@immich.local", "Owner"))
})

const storedKeys = Effect.flatMap(
  StorageEngine,
  (engine) => Stream.runCollect(engine.list("upload")).pipe(Effect.map((objects) => Array.from(objects, (o) => o.key)))
)

const reasonOf = (error: { readonly _tag: string }) => (error instanceof BadRequest ? error.reason : error._tag)

describe("AssetService", () => {
  it.live("uploads from form parts, finds duplicates by checksum, serves the original and removes it", () =>
    Effect.gen(function*() {
      const assets = yield* AssetService
      const ownerId = yield* newOwner
      const bytes = randomBytes(4096)
      const first = yield* assets.upload(ownerId, formParts(DATES, { name: "beach.mp4", bytes }))
      const again = yield* assets.upload(ownerId, formParts(DATES, { name: "copy.mp4", bytes }))
      assert.strictEqual(first.status, "created")
      assert.deepStrictEqual(again, { id: first.id, status: "duplicate" })
      // The duplicate's file was deleted: one original is stored.
      assert.strictEqual((yield* storedKeys).length, 1)

      const asset = yield* assets.find(ownerId, first.id)
      assert.strictEqual(asset.originalFileName, "beach.mp4")
      assert.strictEqual(asset.fileModifiedAt.toISOString(), "2024-01-02T00:00:00.000Z")
      const file = yield* assets.originalFile(asset)
      assert.deepStrictEqual(yield* storedKeys, [file.key])
      assert.strictEqual(file.contentType, "video/mp4")

      const sha1 = createHash("sha1").update(bytes).digest("hex")
      const candidates = [{ id: "a", checksum: sha1 }, { id: "b", checksum: "ab".repeat(20) }]
      const checks = yield* assets.checkUploads(ownerId, candidates)
      assert.deepStrictEqual(checks, [
        { id: "a", action: "reject", reason: "duplicate", assetId: first.id, isTrashed: false },
        { id: "b", action: "accept" }
      ])

      yield* assets.remove(ownerId, [first.id])
      assert.strictEqual((yield* assets.find(ownerId, first.id).pipe(Effect.flip))._tag, "NotFound")
      assert.deepStrictEqual(yield* storedKeys, [])
    }).pipe(Effect.provide(services)))

  it.live("refuses a bad field, naming it, and keeps nothing of the file it already stored", () =>
    Effect.gen(function*() {
      const assets = yield* AssetService
      const ownerId = yield* newOwner
      const refused = yield* assets.upload(
        ownerId,
        formParts({ ...DATES, fileCreatedAt: "yesterday" }, { name: "x.jpg", bytes: randomBytes(100) })
      ).pipe(Effect.flip)
      assert.include(reasonOf(refused), "fileCreatedAt")
      assert.deepStrictEqual(yield* storedKeys, [])
      const text = { name: "notes.txt", bytes: randomBytes(10) }
      const unsupported = yield* assets.upload(ownerId, formParts(DATES, text)).pipe(Effect.flip)
      assert.include(reasonOf(unsupported), "Unsupported file type: .txt")
    }).pipe(Effect.provide(services)))
})
