/**
 * A database dump written to S3 by the Backups service, beside `pg_dump | gzip > /dev/null` (the same
 * dump, compressed, thrown away), in one run, on a database of at least 500 MB.
 * Usage: npm run bench:dump [-- <rows> <runs>]   (default: 3,600,000 rows, about 550 MB; 3 runs each)
 */
import { createTestDatabase, requirePostgres, requireTools, TEST_POSTGRES, TOOLS } from "@immich-storage/testkit"
import postgres from "postgres"
import { formatTable, measureCase, measureCommand, median } from "../shared/measure.ts"
import type { Measurement } from "../shared/measure.ts"
import { startS3ServerChild } from "../shared/s3ServerChild.ts"

const rows = Number(process.argv[2] ?? 3_600_000)
const runs = Number(process.argv[3] ?? 3)

// What a fresh machine lacks is said up front, with its install line.
requireTools(TOOLS.time, TOOLS.pgDump)
await requirePostgres(TEST_POSTGRES)

const database = await createTestDatabase()
const sql = postgres({ ...TEST_POSTGRES, database: database.name, max: 1, onnotice: () => undefined })
const server = await startS3ServerChild("bench-dump")
try {
  // Photo-library-like rows: ids, paths, hashes, times; text that compresses about as well as a real dump.
  await sql`create table asset_like (id bigint primary key, owner uuid, path text, checksum bytea, taken timestamptz, note text)`
  await sql`
    insert into asset_like
    select i, md5((i % 100)::text)::uuid, '/data/upload/' || md5((i % 100)::text) || '/' || substr(md5(i::text), 1, 2) || '/' || md5(i::text) || '.jpg',
           decode(md5(i::text) || md5((i + 1)::text), 'hex'), '2015-01-01'::timestamptz + i * interval '37 seconds', 'IMG_' || i || ' ' || md5((i * 3)::text)
    from generate_series(1, ${rows}) i`
  await sql`vacuum analyze asset_like`
  const [{ size }] = await sql<[{ size: string }]>`select pg_database_size(current_database())::text as size`
  const databaseMiB = Number(size) / 1024 / 1024

  const { endpoint } = server

  const ours: Array<Measurement & { bytes?: number }> = []
  const peer: Array<Measurement> = []
  const peerCommand =
    `pg_dump --host 127.0.0.1 --port 5432 --username postgres --no-password --clean --if-exists --dbname "$0" | gzip > /dev/null`
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? ["ours", "peer"] : ["peer", "ours"]
    for (const who of order) {
      if (who === "ours") ours.push(await measureCase("dump/case.ts", [database.name, endpoint, "bench-dump"]))
      else peer.push(await measureCommand("sh", ["-c", peerCommand, database.name]))
    }
  }
  const rate = (ms: ReadonlyArray<Measurement>) => databaseMiB / median(ms.map((m) => m.seconds))
  const peak = (ms: ReadonlyArray<Measurement>) => `${Math.max(...ms.map((m) => m.peakRssMiB ?? 0)).toFixed(0)} MiB`
  const described = `${databaseMiB.toFixed(0)} MiB database (${rows.toLocaleString("en")} rows)`
  console.log(`\nDatabase dump: ${described}, median of ${runs} runs each\n`)
  console.log(formatTable(
    ["", "time", "database MiB/s", "peak RSS", "runs (s)"],
    [
      [
        "Backups.create -> S3 (pg_dump, gzip, multipart upload)",
        `${median(ours.map((m) => m.seconds)).toFixed(2)} s`,
        rate(ours).toFixed(1),
        peak(ours),
        ours.map((m) => m.seconds.toFixed(2)).join(" ")
      ],
      [
        "pg_dump | gzip > /dev/null",
        `${median(peer.map((m) => m.seconds)).toFixed(2)} s`,
        rate(peer).toFixed(1),
        peak(peer),
        peer.map((m) => m.seconds.toFixed(2)).join(" ")
      ]
    ]
  ))
  console.log(
    `\nours / peer throughput: ${(rate(ours) / rate(peer)).toFixed(2)}x   (target: >= 0.90x; peak RSS < 200 MiB)`
  )
  console.log("peak RSS of the peer is the largest process of its pipeline (GNU time); ours is the Node process.")
} finally {
  server.stop()
  await sql.end()
  await database.drop()
}
