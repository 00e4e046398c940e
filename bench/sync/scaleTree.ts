import { randomBytes, randomUUID } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"

const FILE_SIZE = 1024
const USERS = [randomUUID(), randomUUID()]

/** One asset's files in Immich's layout: the original, two thumbnails, and for every tenth asset a video. */
const assetFiles = (asset: number): Array<string> => {
  const user = USERS[asset % USERS.length]!
  const id = randomUUID()
  const shard = `${user}/${id.slice(0, 2)}/${id.slice(2, 4)}`
  const files = [
    `upload/${shard}/${id}.jpg`,
    `thumbs/${shard}/${id}_thumbnail.webp`,
    `thumbs/${shard}/${id}_preview.jpeg`
  ]
  if (asset % 10 === 0) files.push(`encoded-video/${shard}/${id}.mp4`)
  return files
}

/**
 * Writes `count` files of 1 KiB under `root` in Immich's layout, synchronously and without anything
 * else (no utimes: the initial upload comes after, so every object is newer than its file). Returns the
 * keys written, in the order written (random with respect to key order, the uuids being random).
 */
export const writeImmichTree = (root: string, count: number): Array<string> => {
  const pool = randomBytes(1024 * 1024)
  const made = new Set<string>()
  const keys: Array<string> = []
  for (let asset = 0; keys.length < count; asset++) {
    for (const key of assetFiles(asset)) {
      if (keys.length === count) break
      const file = path.join(root, key)
      const dir = path.dirname(file)
      if (!made.has(dir)) fs.mkdirSync(dir, { recursive: true }), made.add(dir)
      const offset = (keys.length * 7919) % (pool.length - FILE_SIZE)
      fs.writeFileSync(file, pool.subarray(offset, offset + FILE_SIZE))
      keys.push(key)
    }
  }
  return keys
}

/** Rewrites `keys` with new content of the same size; the write gives each a new, current mtime. */
export const rewriteFiles = (root: string, keys: ReadonlyArray<string>) => {
  for (const key of keys) fs.writeFileSync(path.join(root, key), randomBytes(FILE_SIZE))
}

/**
 * Reads every file once, so that each tool starts with the contents in the page cache. The virtual machines
 * these benchmarks ran on page out file pages left idle for about a minute (DAMON reclaim: `pageout` of
 * regions aged 12 × 5 s), and whichever tool read the contents first after that paid for the disk.
 */
export const warmFiles = (root: string, keys: ReadonlyArray<string>) => {
  for (const key of keys) fs.readFileSync(path.join(root, key))
}
