/**
 * The rows the path-migration bench moves: 100 users with a profile image, `assets` originals, two
 * generated files per asset (thumbnail, preview) and 10,000 people with a face thumbnail, all below `base`.
 * One seeder per schema, because the schemas' NOT NULL columns and keys differ.
 */
import type postgres from "postgres"

const USERS = 100
const PEOPLE = 10_000

/** Originals spread over the users, named like upstream's `upload/<userId>/xx/yy/<uuid>.jpg`. */
const seedAssets = async (
  sql: postgres.Sql,
  base: string,
  assets: number,
  algorithm: postgres.PendingQuery<Array<postgres.Row>>
) => {
  await sql`
    insert into asset ("ownerId", type, "originalPath", "originalFileName", checksum, "checksumAlgorithm", "fileCreatedAt", "fileModifiedAt", "localDateTime")
    select u.id, 'IMAGE', ${base} || '/upload/' || u.id || '/' || substr(md5(i::text), 1, 2) || '/' || substr(md5(i::text), 3, 2) || '/' || md5(i::text) || '.jpg',
           'IMG_' || i || '.jpg', decode(md5(i::text), 'hex'), ${algorithm}, now(), now(), now()
    from generate_series(1, ${assets}) i
    join (select id, row_number() over () - 1 as n from "user") u on u.n = i % ${USERS}`
  await sql`
    insert into asset_file ("assetId", type, path)
    select a.id, t.type, ${base} || '/thumbs/' || a."ownerId" || '/' || substr(a.id::text, 1, 2) || '/' || substr(a.id::text, 3, 2) || '/' || a.id || t.suffix
    from asset a cross join (values ('thumbnail', '_thumbnail.webp'), ('preview', '_preview.jpeg')) t(type, suffix)`
}

/** This project's own schema (`ensureSchema`): people have an id of their own. */
export const seedOwnSchema = async (sql: postgres.Sql, base: string, assets: number) => {
  await sql`insert into "user" (email, "profileImagePath") select 'user' || i || '@example.com', ${base} || '/profile/' || i || '/avatar.jpg' from generate_series(1, ${USERS}) i`
  await seedAssets(sql, base, assets, sql`'sha1'`)
  await sql`insert into person ("ownerId", "thumbnailPath") select "ownerId", ${base} || '/thumbs/' || "ownerId" || '/pe/rs/' || id || '.jpeg' from asset limit ${PEOPLE}`
}

/**
 * Upstream Immich v3.2's schema (testkit's fixture): each user belongs to a cluster group (NOT NULL foreign
 * key), a person is keyed by ("ownerId", "personGroupId") with its person group in the owner's cluster
 * group, and assets carry a checksum algorithm but no device columns. The fixture's triggers keep
 * `updatedAt`/`updateId` current on every UPDATE, for the migrator and the floor alike.
 */
export const seedImmichV32 = async (sql: postgres.Sql, base: string, assets: number) => {
  await sql`insert into cluster_group (id, name) select md5('cluster' || i)::uuid, 'user' || i from generate_series(1, ${USERS}) i`
  await sql`
    insert into "user" (email, "profileImagePath", "clusterGroupId")
    select 'user' || i || '@example.com', ${base} || '/profile/' || i || '/avatar.jpg', md5('cluster' || i)::uuid
    from generate_series(1, ${USERS}) i`
  await seedAssets(sql, base, assets, sql`'sha1'::asset_checksum_algorithm_enum`)
  // One person per sampled asset; the person group's id is derived from the asset's, so both inserts agree.
  await sql`
    insert into person_group (id, "clusterGroupId")
    select md5('person' || a.id)::uuid, u."clusterGroupId"
    from (select id, "ownerId" from asset order by id limit ${PEOPLE}) a join "user" u on u.id = a."ownerId"`
  await sql`
    insert into person ("ownerId", "personGroupId", "thumbnailPath")
    select a."ownerId", md5('person' || a.id)::uuid, ${base} || '/thumbs/' || a."ownerId" || '/pe/rs/' || md5('person' || a.id)::uuid || '.jpeg'
    from (select id, "ownerId" from asset order by id limit ${PEOPLE}) a`
}
