/**
 * Engine throughput and memory, ours beside the peer, in one run:
 *   S3:    StorageEngine put/get of a 1 GiB stream vs the raw SDK (lib-storage Upload / GetObject),
 *          same S3 server on 127.0.0.1, same part size and concurrency.
 *   local: StorageEngine put/get vs plain Node streams (same read size, fsync), `cp`, `cp` + `sync`
 *          (since we fsync) and `cat`.
 * Usage: npm run bench:engine [-- <size MiB> <repetitions>]   (default: 1024 MiB, 5 runs)
 */
import { DeleteObjectCommand, S3Client } from "@aws-sdk/client-s3"
import { requireTools, TOOLS } from "@immich-storage/testkit"
import { randomBytes } from "node:crypto"
import { once } from "node:events"
import { createWriteStream } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { formatTable, measureCase, measureCommand, median } from "../shared/measure.ts"
import type { Measurement } from "../shared/measure.ts"
import { startS3ServerChild } from "../shared/s3ServerChild.ts"

const sizeMiB = Number(process.argv[2] ?? 1024)
const repetitions = Number(process.argv[3] ?? 5)
const bytes = sizeMiB * 1024 * 1024

// Peak RSS comes from GNU time; a fresh machine is told to install it.
requireTools(TOOLS.time)

const work = await mkdtemp(path.join(tmpdir(), "bench-engine-"))
const source = path.join(work, "source.bin")

/** Incompressible data, written in 1 MiB blocks. */
const writeSource = async () => {
  const out = createWriteStream(source)
  for (let written = 0; written < bytes; written += 1024 * 1024) {
    if (!out.write(randomBytes(Math.min(1024 * 1024, bytes - written)))) await once(out, "drain")
  }
  out.end()
  await once(out, "finish")
}

await writeSource()
const bucket = "bench-engine"
const s3 = await startS3ServerChild(bucket)
const client = new S3Client({
  endpoint: s3.endpoint,
  region: "us-east-1",
  forcePathStyle: true,
  credentials: { accessKeyId: "b", secretAccessKey: "b" }
})

const results = new Map<string, Array<Measurement>>()
const record = (name: string, m: Measurement) => results.set(name, [...(results.get(name) ?? []), m])

try {
  for (let i = 0; i < repetitions; i++) {
    // Alternate who goes first so neither side always meets a warm or a cold server.
    const order = i % 2 === 0 ? ["ours", "sdk"] : ["sdk", "ours"]
    for (const who of order) {
      const key = `bench/${who}-${i}.bin`
      record(
        `s3-write-${who}`,
        await measureCase("engine/case.ts", [`s3-write-${who}`, source, s3.endpoint, bucket, key])
      )
      record(
        `s3-read-${who}`,
        await measureCase("engine/case.ts", [`s3-read-${who}`, source, s3.endpoint, bucket, key])
      )
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))
    }
    const media = path.join(work, `media-${i}`)
    record(
      "local-write-ours",
      await measureCase("engine/case.ts", ["local-write-ours", source, media, "-", "upload/ours.bin"])
    )
    record(
      "local-read-ours",
      await measureCase("engine/case.ts", ["local-read-ours", source, media, "-", "upload/ours.bin"])
    )
    record(
      "local-write-node",
      await measureCase("engine/case.ts", ["local-write-node", source, media, "-", "upload/node.bin"])
    )
    record(
      "local-read-node",
      await measureCase("engine/case.ts", ["local-read-node", source, media, "-", "upload/node.bin"])
    )
    record("local-write-cp", await measureCommand("cp", [source, path.join(work, `cp-${i}.bin`)]))
    record(
      "local-write-cp-sync",
      await measureCommand("sh", ["-c", `cp "$0" "$1" && sync "$1"`, source, path.join(work, `cps-${i}.bin`)])
    )
    record("local-read-cat", await measureCommand("sh", ["-c", `cat "$0" > /dev/null`, path.join(work, `cp-${i}.bin`)]))
    await rm(media, { recursive: true, force: true })
    await rm(path.join(work, `cp-${i}.bin`), { force: true })
    await rm(path.join(work, `cps-${i}.bin`), { force: true })
  }
} finally {
  client.destroy()
  s3.stop()
}

const mibPerSecond = (name: string) => sizeMiB / median(results.get(name)!.map((m) => m.seconds))
const peak = (name: string) => {
  const values = results.get(name)!.map((m) => m.peakRssMiB).filter((v): v is number => v !== undefined)
  return values.length === 0 ? "n/a" : `${Math.max(...values).toFixed(0)} MiB`
}
const row = (label: string, ours: string, peer: string, peerLabel: string) => [
  label,
  `${mibPerSecond(ours).toFixed(0)} MiB/s`,
  peak(ours),
  peerLabel,
  `${mibPerSecond(peer).toFixed(0)} MiB/s`,
  peak(peer),
  `${(mibPerSecond(ours) / mibPerSecond(peer)).toFixed(2)}x`
]

console.log(
  `\nEngine benchmark: ${sizeMiB} MiB stream, median of ${repetitions} runs, each case in its own process (peak RSS = max)\n`
)
console.log(formatTable(
  ["case", "ours", "ours peak RSS", "peer", "peer", "peer peak RSS", "ours/peer"],
  [
    row("S3 write (put stream)", "s3-write-ours", "s3-write-sdk", "SDK Upload"),
    row("S3 read (get stream)", "s3-read-ours", "s3-read-sdk", "SDK GetObject"),
    row("local write (put, fsync)", "local-write-ours", "local-write-node", "Node streams + fsync"),
    row("local write (put, fsync)", "local-write-ours", "local-write-cp", "cp"),
    row("local write (put, fsync)", "local-write-ours", "local-write-cp-sync", "cp + sync"),
    row("local read (get stream)", "local-read-ours", "local-read-node", "Node read stream"),
    row("local read (get stream)", "local-read-ours", "local-read-cat", "cat")
  ]
))
console.log("\nTargets: S3 throughput >= 0.90x the raw SDK; our peak RSS < 200 MiB at any size.")
await rm(work, { recursive: true, force: true })
