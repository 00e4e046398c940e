import { generatedImageKey } from "@immich-storage/core"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import type postgres from "postgres"
import sharp from "sharp"

/** A small thumbnail (WebP, as the server makes them) in one of a few colours. */
const thumbnail = (variant: number): Promise<Buffer> => {
  const hue = (variant * 47) % 360
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="160">
    <rect width="100%" height="100%" fill="hsl(${hue},65%,50%)"/>
    <circle cx="80" cy="70" r="36" fill="hsl(${(hue + 180) % 360},75%,70%)"/></svg>`
  return sharp(Buffer.from(svg)).webp({ quality: 70 }).toBuffer()
}

/**
 * `count` assets of `ownerId`, spread over `months` months (newest first in the timeline), each with a small
 * thumbnail file under the media folder and its `asset_file` row, as the server would have made them.
 * The originals are not written: browsing the timeline never reads them.
 */
export const generateLibrary = async (
  sql: postgres.Sql,
  media: string,
  ownerId: string,
  count: number,
  months: number
) => {
  const rows = await sql<Array<{ id: string }>>`
    insert into "asset" ("ownerId", "type", "originalPath", "originalFileName", "checksum", "checksumAlgorithm",
                         "fileCreatedAt", "fileModifiedAt", "localDateTime", "width", "height")
    select ${ownerId}, 'IMAGE', ${media} || '/upload/bench/' || g || '.jpg', 'bench-' || g || '.jpg',
           sha256(convert_to(g::text, 'UTF8')), 'sha1', t.at, t.at, t.at, 160, 160
    from generate_series(1, ${count}::int) g,
         lateral (select timestamptz '2016-01-01T12:00:00Z' + make_interval(months => g % ${months}::int,
                                                                           days => g % 27, secs => g) as at) t
    returning "id"`
  // 11 colours: a month holds every 120th asset, so a count dividing 120 would give a month one colour.
  const variants = await Promise.all(Array.from({ length: 11 }, (_, i) => thumbnail(i)))
  const files = rows.map(({ id }, i) => ({
    id,
    key: generatedImageKey(ownerId, id, "thumbnail", "webp"),
    bytes: variants[i % 11]!
  }))
  for (let i = 0; i < files.length; i += 500) {
    await Promise.all(
      files.slice(i, i + 500).map(async ({ key, bytes }) => {
        await fs.mkdir(path.dirname(path.join(media, key)), { recursive: true })
        await fs.writeFile(path.join(media, key), bytes)
      })
    )
  }
  const fileRows = files.map(({ id, key }) => ({ assetId: id, type: "thumbnail", path: `${media}/${key}` }))
  for (let i = 0; i < fileRows.length; i += 2000) {
    await sql`insert into "asset_file" ${sql(fileRows.slice(i, i + 2000), "assetId", "type", "path")}`
  }
  await sql`vacuum analyze "asset"`
  await sql`vacuum analyze "asset_file"`
  return rows.length
}
