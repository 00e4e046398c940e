import type postgres from "postgres"

/**
 * The shape of a database's schema (the connection's current schema), one sorted line per object, so that
 * two snapshots compare with `toEqual` and a difference reads as the line that changed. Rows are left
 * out: this is what must stay identical across a server's whole life on a database Immich's migrations own.
 */
export interface SchemaSnapshot {
  /** `name version` of each installed extension. */
  readonly extensions: ReadonlyArray<string>
  /** `table.column #position type null|not null default <expr>`, from information_schema.columns. */
  readonly columns: ReadonlyArray<string>
  /** `table name: definition` of each primary key, unique, foreign key and check constraint. */
  readonly constraints: ReadonlyArray<string>
  /** Each index's `CREATE INDEX` statement. */
  readonly indexes: ReadonlyArray<string>
  /** Each user trigger's `CREATE TRIGGER` statement. */
  readonly triggers: ReadonlyArray<string>
  /** `name (label, …)` of each enum not owned by an extension. */
  readonly enums: ReadonlyArray<string>
  /** `name(arguments) returns type body:<md5>` of each function not owned by an extension. */
  readonly functions: ReadonlyArray<string>
}

// Code-unit order, the same on every machine (unlike a locale's collation).
const sorted = (lines: ReadonlyArray<string>): ReadonlyArray<string> =>
  [...lines].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))

interface Line {
  readonly line: string
}

const lines = async (query: Promise<ReadonlyArray<Line>>) => sorted((await query).map((r) => r.line))

/** Reads the current schema's shape; two snapshots of an unchanged database are equal. */
export const schemaSnapshot = async (sql: postgres.Sql): Promise<SchemaSnapshot> => ({
  extensions: await lines(sql<Array<Line>>`select extname || ' ' || extversion as line from pg_extension`),
  columns: await lines(sql<Array<Line>>`
    select table_name || '.' || column_name || ' #' || ordinal_position || ' '
      || case when data_type = 'USER-DEFINED' or data_type = 'ARRAY' then udt_name else data_type end
      || coalesce('(' || character_maximum_length || ')', '')
      || case when is_nullable = 'YES' then ' null' else ' not null' end
      || coalesce(' default ' || column_default, '') as line
    from information_schema.columns where table_schema = current_schema()`),
  constraints: await lines(sql<Array<Line>>`
    select r.relname || ' ' || c.conname || ': ' || pg_get_constraintdef(c.oid) as line
    from pg_constraint c join pg_class r on r.oid = c.conrelid
    where r.relnamespace = (select oid from pg_namespace where nspname = current_schema())`),
  indexes: await lines(sql<Array<Line>>`select indexdef as line from pg_indexes where schemaname = current_schema()`),
  triggers: await lines(sql<Array<Line>>`
    select pg_get_triggerdef(t.oid) as line
    from pg_trigger t join pg_class r on r.oid = t.tgrelid
    where not t.tgisinternal and r.relnamespace = (select oid from pg_namespace where nspname = current_schema())`),
  enums: await lines(sql<Array<Line>>`
    select t.typname || ' (' || string_agg(e.enumlabel, ', ' order by e.enumsortorder) || ')' as line
    from pg_type t join pg_enum e on e.enumtypid = t.oid
    where t.typnamespace = (select oid from pg_namespace where nspname = current_schema())
      and not exists (select 1 from pg_depend d where d.objid = t.oid and d.deptype = 'e')
    group by t.typname`),
  functions: await lines(sql<Array<Line>>`
    select p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') returns '
      || pg_get_function_result(p.oid) || ' body:'
      || md5(case when p.prokind in ('f', 'p') then pg_get_functiondef(p.oid) else p.prosrc end) as line
    from pg_proc p
    where p.pronamespace = (select oid from pg_namespace where nspname = current_schema())
      and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')`)
})
