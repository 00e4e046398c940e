import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Query } from "../db/Database.ts"
import { Database, lockForTransaction } from "../db/Database.ts"
import type { DatabaseError } from "../db/errors.ts"
import { pathColumns } from "../db/repositories/pathColumns.ts"
import { systemMetadata } from "../db/repositories/systemMetadata.ts"
import { inferFromSample, legacyLocationInconsistent, ORIGINAL_COLUMNS } from "./legacyLocation.ts"
import type { SampledPaths } from "./legacyLocation.ts"
import type { LegacyLocationInconsistent, LegacyLocationInference } from "./legacyLocation.ts"
import { decideMediaLocation, MEDIA_LOCATION_LOCK_ID, normaliseBase } from "./mediaLocationDecision.ts"
import { columnLabel } from "./pathColumns.ts"

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
  /** No location was saved, and the sampled paths all lie under the current one: it is saved. */
  | { readonly _tag: "Adopted"; readonly location: string; readonly sampled: number }
  /** `inferredFrom`: no location was saved; the previous one was inferred from that many sampled paths. */
  | { readonly _tag: "Moved"; readonly report: RewriteReport; readonly inferredFrom?: number }

export interface RewriteOptions {
  readonly dryRun: boolean
}

export interface PathMigratorShape {
  /** The location saved by the last start (Immich's `MediaLocation`), if any. */
  readonly savedLocation: Effect.Effect<string | undefined, DatabaseError>
  /**
   * Rewrites (or with `dryRun` counts) every managed path from one base to another, in one transaction,
   * and saves `to` as the media location. Paths outside `from` are never touched.
   */
  readonly rewritePaths: (
    from: string,
    to: string,
    options: RewriteOptions
  ) => Effect.Effect<RewriteReport, DatabaseError>
  /** At boot: follows a change of media location, once, however many instances start together. */
  readonly followMediaLocation: (
    current: string
  ) => Effect.Effect<BootOutcome, DatabaseError | LegacyLocationInconsistent>
  /** For a database that never saved a location: the base its stored paths were written under. */
  readonly inferPreviousLocation: Effect.Effect<LegacyLocationInference, DatabaseError>
}

export const formatReport = (report: RewriteReport): string =>
  `${report.columns.map((c) => `${columnLabel(c)}: ${c.count}`).join(", ") || "no path columns"}`

/**
 * Paths of every managed column but `move_history`'s (moves in flight, not the library), split into
 * originals (and sidecars), whose folders a storage template names, and generated files, named by ids.
 */
const samplePaths = (tx: Query) =>
  Effect.gen(function*() {
    const columns = (yield* pathColumns.existing(tx)).filter((c) => c.table !== "move_history")
    const sample: SampledPaths = { originals: [], generated: [] }
    for (const c of columns) {
      if (c.table === "asset_file") {
        const files = yield* pathColumns.sampleAssetFiles(tx)
        sample.originals.push(...files.originals)
        sample.generated.push(...files.generated)
      } else {
        sample[ORIGINAL_COLUMNS.has(columnLabel(c)) ? "originals" : "generated"].push(
          ...yield* pathColumns.sample(tx, c)
        )
      }
    }
    return sample
  })

const rewriteAll = (tx: Query, from: string, to: string, dryRun: boolean) =>
  Effect.gen(function*() {
    const columns = yield* pathColumns.existing(tx)
    const counts = yield* Effect.forEach(
      columns,
      (c) => (dryRun ? pathColumns.count(tx, c, from) : pathColumns.rewrite(tx, c, from, to))
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

export class PathMigrator
  extends Context.Service<PathMigrator, PathMigratorShape>()("@immich-storage/core/PathMigrator") {
  static readonly layer: Layer.Layer<PathMigrator, never, Database> = Layer.effect(
    PathMigrator,
    Effect.gen(function*() {
      const db = yield* Database

      const rewritePaths = Effect.fn("PathMigrator.rewritePaths")(function*(
        fromBase: string,
        toBase: string,
        options: RewriteOptions
      ) {
        const from = normaliseBase(fromBase)
        const to = normaliseBase(toBase)
        return yield* db.transaction((tx) =>
          Effect.gen(function*() {
            yield* lockForTransaction(tx, MEDIA_LOCATION_LOCK_ID)
            const report = yield* rewriteAll(tx, from, to, options.dryRun)
            if (!options.dryRun) yield* systemMetadata.saveMediaLocation(tx, to)
            return report
          })
        )
      })

      const followMediaLocation = Effect.fn("PathMigrator.followMediaLocation")(function*(currentBase: string) {
        const current = normaliseBase(currentBase)
        const outcome = yield* db.transaction((tx) =>
          Effect.gen(function*() {
            // Instances booting together queue here; the first rewrites, the others then find it done.
            yield* lockForTransaction(tx, MEDIA_LOCATION_LOCK_ID)
            const saved = yield* systemMetadata.readMediaLocation(tx)
            const decision = decideMediaLocation(saved, current)
            if (decision._tag === "Unchanged") return { _tag: "Unchanged", location: current } as const
            if (decision._tag === "Moved") {
              const report = yield* rewriteAll(tx, decision.from, decision.to, false)
              yield* systemMetadata.saveMediaLocation(tx, decision.to)
              return { _tag: "Moved", report } as const
            }
            // Nothing saved: a first start only when no path is stored; otherwise the paths say where they were.
            const inference = inferFromSample(yield* samplePaths(tx))
            if (inference._tag === "Inconsistent") return yield* legacyLocationInconsistent(inference, current)
            yield* systemMetadata.saveMediaLocation(tx, current)
            if (inference._tag === "NoPaths") return { _tag: "FirstBoot", location: current } as const
            if (inference.base === current) {
              return { _tag: "Adopted", location: current, sampled: inference.sampled } as const
            }
            const report = yield* rewriteAll(tx, inference.base, current, false)
            return { _tag: "Moved", report, inferredFrom: inference.sampled } as const
          })
        )
        if (outcome._tag === "Moved") {
          const { report } = outcome
          if (outcome.inferredFrom !== undefined) {
            yield* Effect.logInfo(
              `No media location was saved; the previous one, ${report.from}, was inferred from ` +
                `${outcome.inferredFrom} sampled paths`
            )
          }
          yield* Effect.logInfo(
            `Media location changed from ${report.from} to ${report.to}: ` +
              `rewrote ${report.total} paths (${formatReport(report)})`
          )
        } else if (outcome._tag === "Adopted") {
          yield* Effect.logInfo(
            `Media location ${outcome.location} recorded: no location was saved, and all ${outcome.sampled} ` +
              "sampled paths lie under it"
          )
        } else if (outcome._tag === "FirstBoot") {
          yield* Effect.logInfo(`Media location ${outcome.location} recorded`)
        }
        return outcome satisfies BootOutcome
      })

      const savedLocation = db.transaction((tx) => systemMetadata.readMediaLocation(tx))
      const inferPreviousLocation = db.transaction((tx) => samplePaths(tx).pipe(Effect.map(inferFromSample)))

      return PathMigrator.of({ savedLocation, rewritePaths, followMediaLocation, inferPreviousLocation })
    })
  )
}
