import * as Effect from "effect/Effect"
import type { Query } from "../Database.ts"
import type { DatabaseError } from "../errors.ts"

/** Immich's key for the media location saved by the last start: `{ "location": "<base>" }`. */
export const MEDIA_LOCATION_KEY = "MediaLocation"
/** Immich remembers which folders passed the mount check here, as `{ mountChecks: { <folder>: true } }`. */
export const SYSTEM_FLAGS_KEY = "system-flags"

/** 42P01: undefined table. */
const isUndefinedTable = (error: DatabaseError) => error._tag === "DatabaseQueryFailed" && error.code === "42P01"

/**
 * Immich's `system_metadata` (key → jsonb). Writes merge into what is there, since Immich keeps other keys
 * and other fields under the same keys.
 */
export const systemMetadata = {
  readMediaLocation: (q: Query) =>
    q("read the saved media location", (sql) =>
      sql<Array<{ location: string | null }>>`
        select value->>'location' as location from system_metadata where key = ${MEDIA_LOCATION_KEY}`).pipe(
        Effect.map((rows) => rows[0]?.location ?? undefined),
        // A database without Immich's tables has nothing saved.
        Effect.catchIf(isUndefinedTable, () => Effect.succeed(undefined))
      ),
  saveMediaLocation: (q: Query, location: string) =>
    q("save the media location", (sql) =>
      sql`
        insert into system_metadata (key, value) values (${MEDIA_LOCATION_KEY}, ${sql.json({ location })})
        on conflict (key) do update set value = excluded.value`).pipe(Effect.asVoid),
  readMountChecks: (q: Query) =>
    q("read the mount-check flags", (sql) =>
      sql<Array<{ checks: Record<string, unknown> | null }>>`
        select value->'mountChecks' as checks from system_metadata where key = ${SYSTEM_FLAGS_KEY}`).pipe(
        Effect.map((rows): Record<string, unknown> => rows[0]?.checks ?? {})
      ),
  addMountChecks: (q: Query, checks: Record<string, true>) =>
    q("save the mount-check flags", (sql) =>
      sql`
        insert into system_metadata (key, value) values (${SYSTEM_FLAGS_KEY}, ${sql.json({ mountChecks: checks })})
        on conflict (key) do update set value = system_metadata.value
          || jsonb_build_object(
            'mountChecks',
            coalesce(system_metadata.value->'mountChecks', '{}'::jsonb) || ${sql.json(checks)}::jsonb
          )`).pipe(Effect.asVoid)
}
