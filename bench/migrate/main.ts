/**
 * The path migrator beside the floor, in one run: 1,000,000 assets and 2,000,000 asset_file rows
 * (plus users and people) moved between /data and s3://bucket/immich.
 *   ours:  PathMigrator.rewritePaths (column discovery, advisory lock, one UPDATE per column, saved location)
 *   floor: one hand-written UPDATE per column in one transaction, nothing else
 * Runs alternate, each on freshly vacuumed tables, so neither inherits the other's dead rows.
 * Usage: npm run bench:migrate [-- <assets> <runs>]   (default: 1000000 assets, 3 runs each)
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import postgres from "postgres"
import { createTestDatabase, requirePostgres, TEST_POSTGRES } from "@immich-storage/testkit"
import { Database, ensureSchema, makeDatabase, PathMigrator } from "@immich-storage/core"
import { formatTable, median } from "../shared/measure.ts"

const assets = Number(process.argv[2] ?? 1_000_000)
const runs = Number(process.argv[3] ?? 3)
const LOCAL = "/data"
const S3 = "s3://photo-bucket/immich"

await requirePostgres(TEST_POSTGRES)

const database = await createTestDatabase()
const sql = postgres({ ...TEST_POSTGRES, database: database.name, max: 1, onnotice: () => undefined })
const settings = { host: TEST_POSTGRES.host, port: TEST_POSTGRES.port, user: TEST_POSTGRES.user, password: undefined, database: database.name }

const seconds = async (run: () => Promise<unknown>) => {
  const started = process.hrtime.bigint()
  await run()
  return Number(process.hrtime.bigint() - started) / 1e9
}

/** The floor: what a careful DBA would type for a known, safe prefix. */
const floor = (from: string, to: string) =>
  sql.begin(async (tx) => {
    const cut = from.length + 1
    await tx`update asset set "originalPath" = ${to} || substr("originalPath", ${cut}) where "originalPath" like ${`${from}/%`} and "libraryId" is null`
    await tx`update asset_file set path = ${to} || substr(path, ${cut}) where path like ${`${from}/%`}`
    await tx`update person set "thumbnailPath" = ${to} || substr("thumbnailPath", ${cut}) where "thumbnailPath" like ${`${from}/%`}`
    await tx`update "user" set "profileImagePath" = ${to} || substr("profileImagePath", ${cut}) where "profileImagePath" like ${`${from}/%`}`
  })

try {
  const program = Effect.scoped(Effect.gen(function*() {
    const db = yield* makeDatabase(settings)
    yield* ensureSchema(db)
    const migrator = Context.get(yield* Layer.build(PathMigrator.layer.pipe(Layer.provide(Layer.succeed(Database, db)))), PathMigrator)

    const generated = yield* Effect.promise(() =>
      seconds(async () => {
        await sql`insert into "user" (email, "profileImagePath") select 'user' || i || '@example.com', ${LOCAL} || '/profile/' || i || '/avatar.jpg' from generate_series(1, 100) i`
        await sql`
          insert into asset ("ownerId", type, "originalPath", "originalFileName", checksum, "checksumAlgorithm", "fileCreatedAt", "fileModifiedAt", "localDateTime")
          select u.id, 'IMAGE', ${LOCAL} || '/upload/' || u.id || '/' || substr(md5(i::text), 1, 2) || '/' || substr(md5(i::text), 3, 2) || '/' || md5(i::text) || '.jpg',
                 'IMG_' || i || '.jpg', decode(md5(i::text), 'hex'), 'sha1', now(), now(), now()
          from generate_series(1, ${assets}) i
          join (select id, row_number() over () - 1 as n from "user") u on u.n = i % 100`
        await sql`
          insert into asset_file ("assetId", type, path)
          select a.id, t.type, ${LOCAL} || '/thumbs/' || a."ownerId" || '/' || substr(a.id::text, 1, 2) || '/' || substr(a.id::text, 3, 2) || '/' || a.id || t.suffix
          from asset a cross join (values ('thumbnail', '_thumbnail.webp'), ('preview', '_preview.jpeg')) t(type, suffix)`
        await sql`insert into person ("ownerId", "thumbnailPath") select "ownerId", ${LOCAL} || '/thumbs/' || "ownerId" || '/pe/rs/' || id || '.jpeg' from asset limit 10000`
        await sql`vacuum analyze`
      })
    )
    const [{ rows }] = yield* Effect.promise(() => sql<[{ rows: string }]>`select ((select count(*) from asset) + (select count(*) from asset_file) + (select count(*) from person) + (select count(*) from "user"))::text as rows`)
    console.log(`Generated ${Number(rows).toLocaleString("en")} path rows in ${generated.toFixed(1)} s`)

    const ours: Array<number> = []
    const floors: Array<number> = []
    let at = LOCAL
    for (let i = 0; i < runs * 2; i++) {
      const to = at === LOCAL ? S3 : LOCAL
      // Alternate who goes first in each pair.
      const useOurs = i % 4 === 0 || i % 4 === 3
      const elapsed = useOurs
        ? yield* Effect.promise(() => seconds(() => Effect.runPromise(migrator.rewritePaths(at, to, { dryRun: false }))))
        : yield* Effect.promise(() => seconds(() => floor(at, to)))
      ;(useOurs ? ours : floors).push(elapsed)
      const [check] = yield* Effect.promise(() => sql<Array<{ moved: string }>>`select count(*)::text as moved from asset_file where starts_with(path, ${`${to}/`})`)
      if (Number(check!.moved) !== assets * 2) throw new Error(`run ${i}: ${check!.moved} of ${assets * 2} asset_file rows moved`)
      at = to
      yield* Effect.promise(() => sql`vacuum`)
    }
    console.log(`\nPath migration: ${Number(rows).toLocaleString("en")} rows between ${LOCAL} and ${S3}, median of ${runs} runs each\n`)
    console.log(formatTable(
      ["", "median", "runs (s)"],
      [
        ["PathMigrator.rewritePaths", `${median(ours).toFixed(2)} s`, ours.map((s) => s.toFixed(2)).join(" ")],
        ["floor: hand-written UPDATEs", `${median(floors).toFixed(2)} s`, floors.map((s) => s.toFixed(2)).join(" ")]
      ]
    ))
    console.log(`\nours / floor: ${(median(ours) / median(floors)).toFixed(2)}x   (target: <= 1.30x)`)
  }))
  await Effect.runPromise(program)
} finally {
  await sql.end()
  await database.drop()
}
