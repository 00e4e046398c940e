/**
 * The path migrator beside the floor, in one run: 1,000,000 assets and 2,000,000 asset_file rows
 * (plus users and people) moved between /data and s3://bucket/immich.
 *   ours:  PathMigrator.rewritePaths (column discovery, advisory lock, one UPDATE per column, saved location)
 *   floor: one hand-written UPDATE per column in one transaction, nothing else
 * Runs alternate, each on freshly vacuumed tables, so neither inherits the other's dead rows.
 * Usage: npm run bench:migrate [-- <assets> <runs>] [--fixture own|v3.2]   (default: 1000000 assets, 3 runs each)
 *   --fixture own   (default) this project's own schema, made by ensureSchema on an empty database; the
 *                   figures stay comparable with earlier runs
 *   --fixture v3.2  the schema upstream Immich v3.2's migrations leave (testkit's fixture), with its
 *                   updatedAt/updateId triggers firing on every rewritten row, for ours and the floor alike;
 *                   the bench also checks that the migrator left that schema unchanged
 */
import { Database, ensureSchema, makeDatabase, PathMigrator } from "@immich-storage/core"
import {
  createImmichDatabase,
  createTestDatabase,
  requirePostgres,
  schemaSnapshot,
  TEST_POSTGRES
} from "@immich-storage/testkit"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import postgres from "postgres"
import { formatTable, median } from "../shared/measure.ts"
import { seedImmichV32, seedOwnSchema } from "./seed.ts"

const FIXTURES = ["own", "v3.2"] as const
type Fixture = (typeof FIXTURES)[number]

const parseArguments = (args: ReadonlyArray<string>) => {
  const at = args.indexOf("--fixture")
  const fixture = at === -1 ? "own" : args[at + 1]
  if (!FIXTURES.includes(fixture as Fixture))
    throw new Error(`--fixture must be one of ${FIXTURES.join(", ")}, not ${fixture}`)
  const positional = args.filter((_, i) => at === -1 || (i !== at && i !== at + 1))
  return { assets: Number(positional[0] ?? 1_000_000), runs: Number(positional[1] ?? 3), fixture: fixture as Fixture }
}

const { assets, runs, fixture } = parseArguments(process.argv.slice(2))
const LOCAL = "/data"
const S3 = "s3://photo-bucket/immich"

await requirePostgres(TEST_POSTGRES)

const database = fixture === "v3.2" ? await createImmichDatabase("v3.2") : await createTestDatabase()
const sql = postgres({ ...TEST_POSTGRES, database: database.name, max: 1, onnotice: () => undefined })
const settings = {
  host: TEST_POSTGRES.host,
  port: TEST_POSTGRES.port,
  user: TEST_POSTGRES.user,
  password: undefined,
  database: database.name
}

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

/** Rows of all four path columns below `to`: after each run, every seeded row (ours and the floor alike). */
const movedRows = async (to: string) => {
  const prefix = `${to}/`
  const [{ moved }] = await sql<[{ moved: string }]>`select (
    (select count(*) from asset where starts_with("originalPath", ${prefix})) +
    (select count(*) from asset_file where starts_with(path, ${prefix})) +
    (select count(*) from person where starts_with("thumbnailPath", ${prefix})) +
    (select count(*) from "user" where starts_with("profileImagePath", ${prefix})))::text as moved`
  return Number(moved)
}

try {
  const program = Effect.scoped(Effect.gen(function*() {
    const db = yield* makeDatabase(settings)
    // Upstream's migrations own the fixture's schema: nothing of ours may create or alter anything in it.
    if (fixture === "own") yield* ensureSchema(db)
    const schemaBefore = yield* Effect.promise(() => schemaSnapshot(sql))
    const migrator = Context.get(
      yield* Layer.build(PathMigrator.layer.pipe(Layer.provide(Layer.succeed(Database, db)))),
      PathMigrator
    )

    const generated = yield* Effect.promise(() =>
      seconds(async () => {
        await (fixture === "v3.2" ? seedImmichV32 : seedOwnSchema)(sql, LOCAL, assets)
        await sql`vacuum analyze`
      })
    )
    const [{ rows }] = yield* Effect.promise(() =>
      sql<
        [{ rows: string }]
      >`select ((select count(*) from asset) + (select count(*) from asset_file) + (select count(*) from person) + (select count(*) from "user"))::text as rows`
    )
    console.log(`Generated ${Number(rows).toLocaleString("en")} path rows in ${generated.toFixed(1)} s`)

    const ours: Array<number> = []
    const floors: Array<number> = []
    let at = LOCAL
    for (let i = 0; i < runs * 2; i++) {
      const to = at === LOCAL ? S3 : LOCAL
      // Alternate who goes first in each pair.
      const useOurs = i % 4 === 0 || i % 4 === 3
      const elapsed = useOurs
        ? yield* Effect.promise(() =>
          seconds(() => Effect.runPromise(migrator.rewritePaths(at, to, { dryRun: false })))
        )
        : yield* Effect.promise(() => seconds(() => floor(at, to)))
      ;(useOurs ? ours : floors).push(elapsed)
      const moved = yield* Effect.promise(() => movedRows(to))
      if (moved !== Number(rows)) throw new Error(`run ${i}: ${moved} of ${rows} path rows moved`)
      at = to
      yield* Effect.promise(() => sql`vacuum`)
    }
    const schemaAfter = yield* Effect.promise(() => schemaSnapshot(sql))
    if (JSON.stringify(schemaAfter) !== JSON.stringify(schemaBefore))
      throw new Error("the runs changed the database's schema")
    const schemaName = fixture === "v3.2" ? "upstream Immich v3.2 schema" : "own schema"
    const moved = `${Number(rows).toLocaleString("en")} rows between ${LOCAL} and ${S3}`
    console.log(`\nPath migration (${schemaName}): ${moved}, median of ${runs} runs each\n`)
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
