import type { DatabaseShape } from "@immich-storage/core"
import * as Effect from "effect/Effect"

/** A user with one asset (original + thumbnail + preview), a person and a profile image, all under `base`. */
export const seedLibrary = (db: DatabaseShape, base: string, options: { readonly email?: string } = {}) =>
  db.query("seed", async (sql) => {
    const email = options.email ?? `${Math.random()}@example.com`
    const [user] = await sql<Array<{ id: string }>>`
      insert into "user" (email, "profileImagePath") values (${email}, ${`${base}/profile/u/p.jpg`}) returning id`
    const userId = user!.id
    const [asset] = await sql<Array<{ id: string }>>`
      insert into asset ("ownerId", type, "originalPath", "originalFileName", checksum, "checksumAlgorithm",
                         "fileCreatedAt", "fileModifiedAt", "localDateTime")
      values (${userId}, 'IMAGE', ${`${base}/upload/${userId}/ab/cd/abcd.jpg`}, 'IMG_0001.jpg',
              ${Buffer.from(String(Math.random()))}, 'sha1', now(), now(), now())
      returning id`
    const assetId = asset!.id
    await sql`insert into asset_file ("assetId", type, path) values
      (${assetId}, 'thumbnail', ${`${base}/thumbs/${userId}/ab/cd/${assetId}_thumbnail.webp`}),
      (${assetId}, 'preview', ${`${base}/thumbs/${userId}/ab/cd/${assetId}_preview.jpeg`})`
    await sql`insert into person ("ownerId", "thumbnailPath") values (${userId}, ${`${base}/thumbs/${userId}/pe/rs/person.jpeg`})`
    return { userId, assetId }
  })

/** Every managed path in the database, sorted. */
export const allPaths = (db: DatabaseShape) =>
  db.query("read paths", (sql) =>
    sql<Array<{ p: string }>>`
      select "originalPath" as p from asset union all select path from asset_file
      union all select "thumbnailPath" from person union all select "profileImagePath" from "user"
      union all select "oldPath" from move_history union all select "newPath" from move_history`).pipe(
      Effect.map((rows) => rows.map((r) => r.p).sort())
    )
