import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Query } from "../db/Database.ts"
import { Database, lockForTransaction } from "../db/Database.ts"
import type { DatabaseError } from "../db/errors.ts"
import { columnLabel, PATH_COLUMNS } from "./pathColumns.ts"
import type { PathColumn } from "./pathColumns.ts"
import { decideMediaLocation, MEDIA_LOCATION_KEY, MEDIA_LOCATION_LOCK_ID, normaliseBase } from "./mediaLocationDecision.ts"
import { countColumn, rewriteColumn } from "./rewriteSql.ts"

export interface ColumnCount {
  readonly table: string
  readonly column: string
  readonly count: number
}

export interface RewriteReport {
  readonly from: string
  readonly to: string
  readonly dryRun: boolean
  readonly columns: ReadonlyArray<ColumnCount>
  readonly total: number
}

export type BootOutcome =
  | { readonly _tag: "FirstBoot"; readonly location: string }
  | { readonly _tag: "Unchanged"; readonly location: string }
  | { readonly _tag: "Moved"; readonly report: RewriteReport }

export interface PathMigratorShape {
  /** The location saved by the last start (Immich's `MediaLocation`), if any. */
  readonly savedLocation: Effect.Effect<string | undefined, DatabaseError>
  /**
   * Rewrites (or with `dryRun` counts) every managed path from one base to another, in one transaction,
   * and saves `to` as the media location. Paths outside `from` are never touched.
   */
  readonly rewritePaths: (from: string, to: string, options: { readonly dryRun: boolean }) => Effect.Effect<RewriteReport, DatabaseError>
  /** At boot: follows a change of media location, once, however many instances start together. */
  readonly followMediaLocation: (current: string) => Effect.Effect<BootOutcome, DatabaseError>
}

export const formatReport = (report: RewriteReport): string =>
  `${report.columns.map((c) => `${columnLabel(c)}: ${c.count}`).join(", ") || "no path columns"}`

const existingColumns = (tx: Query) =>
  tx("find the path columns", (sql) =>
    sql<Array<{ table_name: string; column_name: string }>>`
      select table_name, column_name from information_schema.columns
      where table_schema = current_schema() and table_name in ${sql([...new Set(PATH_COLUMNS.map((c) => c.table))])}`).pipe(
    Effect.map((rows) => {
      const present = new Set(rows.map((r) => `${r.table_name}.${r.column_name}`))
      return PATH_COLUMNS.filter((c) => present.has(columnLabel(c)) && (!c.managedAssetsOnly || present.has(`${c.table}.libraryId`)))
    })
  )

const readSaved = (tx: Query) =>
  tx("read the saved media location", (sql) =>
    sql<Array<{ location: string | null }>>`select value->>'location' as location from system_metadata where key = ${MEDIA_LOCATION_KEY}`).pipe(
    Effect.map((rows) => rows[0]?.location ?? undefined),
    // A database without Immich's tables has nothing saved (42P01: undefined table).
    Effect.catchIf((error) => error._tag === "DatabaseQueryFailed" && error.code === "42P01", () => Effect.succeed(undefined))
  )

const saveLocation = (tx: Query, location: string) =>
  tx("save the media location", (sql) =>
    sql`insert into system_metadata (key, value) values (${MEDIA_LOCATION_KEY}, ${sql.json({ location })})
        on conflict (key) do update set value = excluded.value`).pipe(Effect.asVoid)

const rewriteAll = (tx: Query, from: string, to: string, dryRun: boolean) =>
  Effect.gen(function*() {
    const columns = yield* existingColumns(tx)
    const counts = yield* Effect.forEach(columns, (c: PathColumn) =>
      dryRun
        ? tx(`count ${columnLabel(c)}`, (sql) => countColumn(sql, c, from)).pipe(Effect.map((rows) => Number(rows[0]?.count ?? 0)))
        : tx(`rewrite ${columnLabel(c)}`, (sql) => rewriteColumn(sql, c, from, to)).pipe(Effect.map((result) => result.count))
    )
    const report: RewriteReport = {
      from,
      to,
      dryRun,
      columns: columns.map((c, i) => ({ table: c.table, column: c.column, count: counts[i]! })),
      total: counts.reduce((a, b) => a + b, 0)
    }
    return report
  })

export class PathMigrator extends Context.Service<PathMigrator, PathMigratorShape>()("@immich-storage/core/PathMigrator") {
  static readonly layer: Layer.Layer<PathMigrator, never, Database> = Layer.effect(
    PathMigrator,
    Effect.gen(function*() {
      const db = yield* Database

      const rewritePaths = Effect.fn("PathMigrator.rewritePaths")(function*(fromBase: string, toBase: string, options: { readonly dryRun: boolean }) {
        const from = normaliseBase(fromBase)
        const to = normaliseBase(toBase)
        return yield* db.transaction((tx) =>
          Effect.gen(function*() {
            yield* lockForTransaction(tx, MEDIA_LOCATION_LOCK_ID)
            const report = yield* rewriteAll(tx, from, to, options.dryRun)
            if (!options.dryRun) yield* saveLocation(tx, to)
            return report
          })
        )
      })

      const followMediaLocation = Effect.fn("PathMigrator.followMediaLocation")(function*(current: string) {
        const outcome = yield* db.transaction((tx) =>
          Effect.gen(function*() {
            // Instances booting together queue here; the first rewrites, the others then find it done.
            yield* lockForTransaction(tx, MEDIA_LOCATION_LOCK_ID)
            const decision = decideMediaLocation(yield* readSaved(tx), current)
            if (decision._tag === "Unchanged") return { _tag: "Unchanged", location: normaliseBase(current) } as const
            if (decision._tag === "FirstBoot") {
              yield* saveLocation(tx, normaliseBase(current))
              return { _tag: "FirstBoot", location: normaliseBase(current) } as const
            }
            const report = yield* rewriteAll(tx, decision.from, decision.to, false)
            yield* saveLocation(tx, decision.to)
            return { _tag: "Moved", report } as const
          })
        )
        if (outcome._tag === "Moved") {
          const { report } = outcome
          yield* Effect.logInfo(`Media location changed from ${report.from} to ${report.to}: rewrote ${report.total} paths (${formatReport(report)})`)
        } else if (outcome._tag === "FirstBoot") {
          yield* Effect.logInfo(`Media location ${outcome.location} recorded`)
        }
        return outcome satisfies BootOutcome
      })

      const savedLocation = db.transaction((tx) => readSaved(tx))

      return PathMigrator.of({ savedLocation, rewritePaths, followMediaLocation })
    })
  )
}
