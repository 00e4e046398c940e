import * as Effect from "effect/Effect"
import type { Query } from "../Database.ts"
import type { DatabaseError } from "../errors.ts"
import { DETECTED_TABLES } from "./immichSchema.ts"
import type { SchemaFacts } from "./immichSchema.ts"

const columnFacts = (c: { readonly is_nullable: string; readonly data_type: string }) => ({
  nullable: c.is_nullable === "YES",
  dataType: c.data_type
})

/** Reads what `schemaFromFacts` needs; read-only, and harmless on an empty database. */
export const readSchemaFacts = (q: Query): Effect.Effect<SchemaFacts, DatabaseError> =>
  Effect.gen(function*() {
    const count = (table: string) =>
      q(`count ${table}`, (sql) => sql<Array<{ n: number }>>`select count(*)::int as n from ${sql(table)}`).pipe(
        Effect.map((rows) => rows[0]?.n ?? 0)
      )
    const columns = yield* q("read the schema's columns", (sql) =>
      sql<Array<{ table_name: string; column_name: string; is_nullable: string; data_type: string }>>`
        select table_name, column_name, is_nullable, data_type from information_schema.columns
        where table_schema = current_schema() and table_name in ${sql(DETECTED_TABLES as Array<string>)}`)
    // Both tables may be absent; `to_regclass` answers null instead of failing.
    const [migrations] = yield* q("count Immich's migrations", (sql) =>
      sql<Array<{ kysely: string | null; typeorm: string | null }>>`
        select to_regclass('kysely_migrations')::text as kysely, to_regclass('migrations')::text as typeorm`)
    const upstreamMigrations = (migrations?.kysely == null ? 0 : yield* count("kysely_migrations")) +
      (migrations?.typeorm == null ? 0 : yield* count("migrations"))
    return {
      upstreamMigrations,
      columns: new Map(columns.map((c) => [`${c.table_name}.${c.column_name}`, columnFacts(c)]))
    }
  })
