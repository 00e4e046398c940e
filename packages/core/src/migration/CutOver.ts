import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { InvalidConfiguration } from "../config/InvalidConfiguration.ts"
import { Database } from "../db/Database.ts"
import type { DatabaseError } from "../db/errors.ts"
import { activity } from "../db/repositories/activity.ts"
import type { StorageError } from "../engine/errors.ts"
import type { StorageEngineShape } from "../engine/StorageEngine.ts"
import { baseOf } from "../location/MediaLocation.ts"
import { PathMigrator } from "../migrator/PathMigrator.ts"
import type { RewriteReport } from "../migrator/PathMigrator.ts"
import type { DeleteRefused } from "../sync/deleteGuard.ts"
import type { SyncProgress, SyncResult } from "../sync/executeSync.ts"
import type { ListingOutOfOrder } from "../sync/sortedMerge.ts"
import { syncEngines } from "../sync/syncEngines.ts"
import { countEngines } from "../sync/verifyEngines.ts"
import { enginesFor, environmentFor, targetSettings } from "./cutOverTarget.ts"
import type { CutOverTarget } from "./cutOverTarget.ts"
import { BulkCopyFailed, CutOverVerificationFailed, failureData, NoSavedLocation } from "./errors.ts"
import type { CutOverFailure } from "./errors.ts"

/** The bulk copy runs while the server may still take uploads; the final copy once it is stopped. */
export type CopyPass = "bulk" | "final"

/** What the cut-over has just done, told as it happens (the copies take long). */
export type CutOverStep =
  | { readonly _tag: "Copying"; readonly from: string; readonly to: string }
  | { readonly _tag: "Copied"; readonly pass: CopyPass; readonly result: SyncResult }
  | { readonly _tag: "Verified"; readonly files: number; readonly location: string }
  | { readonly _tag: "Rewritten"; readonly report: RewriteReport }

export type CutOverOutcome =
  | { readonly _tag: "AlreadyThere"; readonly location: string }
  /** Only the bulk copy ran: the server is still connected to the database. */
  | { readonly _tag: "ServerRunning"; readonly from: string; readonly to: string }
  /** Copied, verified and the paths rewritten; `environment` is what the server needs from now on. */
  | {
    readonly _tag: "Switched"
    readonly from: string
    readonly to: string
    readonly environment: ReadonlyArray<string>
  }

export interface CutOverOptions {
  readonly to: CutOverTarget
  /** The server is known to be stopped, whatever the database still shows of its connections. */
  readonly serverStopped: boolean
  /** In the final copy, delete target files the source lacks. */
  readonly delete: boolean
  readonly concurrency: number
  /** Listing requests in flight per S3 side (see `ListOptions`); undefined: one serial chain of pages. */
  readonly listConcurrency?: number | undefined
  readonly onStep?: (step: CutOverStep) => Effect.Effect<void>
  /** A progress callback for each copy, asked for as that copy starts. */
  readonly progressFor?: (pass: CopyPass) => (progress: SyncProgress) => Effect.Effect<void>
}

export type CutOverError =
  | CutOverFailure
  | DatabaseError
  | InvalidConfiguration
  | StorageError
  | DeleteRefused
  | ListingOutOfOrder

export interface CutOverShape {
  /**
   * Moves the media from the saved location to `to`. While the server runs, a bulk copy only; once it is
   * stopped, the final copy, a verification, and the path rewrite. The way back is the same with the
   * other target.
   */
  readonly run: (options: CutOverOptions) => Effect.Effect<CutOverOutcome, CutOverError>
}

interface Sides {
  readonly source: StorageEngineShape
  readonly destination: StorageEngineShape
  /** About how many files there are: the paths the database holds under the source, for progress. */
  readonly expected: number | undefined
}

const copy = (sides: Sides, options: CutOverOptions, pass: CopyPass, deleteExtra: boolean) =>
  syncEngines(sides.source, sides.destination, {
    ...(sides.expected === undefined ? {} : { expectedObjects: sides.expected }),
    concurrency: options.concurrency,
    listConcurrency: options.listConcurrency,
    checksum: false,
    excludes: [],
    dryRun: false,
    delete: deleteExtra,
    ...(options.progressFor === undefined ? {} : { onProgress: options.progressFor(pass) })
  }).pipe(Effect.map(({ result }) => result!))

/** What is still missing or different at the target after the final copy (a listing of both sides). */
const stillMissing = (sides: Sides, final: SyncResult, listConcurrency: number | undefined) =>
  countEngines(sides.source, sides.destination, [], listConcurrency).pipe(Effect.map((counts) => ({
    missing: counts.copy + final.failures.length,
    present: counts.unchanged
  })))

export class CutOver extends Context.Service<CutOver, CutOverShape>()("@immich-storage/core/CutOver") {
  static readonly layer: Layer.Layer<CutOver, never, Database | PathMigrator> = Layer.effect(
    CutOver,
    Effect.gen(function*() {
      const db = yield* Database
      const migrator = yield* PathMigrator

      const run = Effect.fn("CutOver.run")(function*(options: CutOverOptions) {
        const step = options.onStep ?? (() => Effect.void)
        const from = yield* migrator.savedLocation
        if (from === undefined) return yield* new NoSavedLocation()
        const target = yield* targetSettings(options.to)
        const to = baseOf(target.location)
        if (from === to) return { _tag: "AlreadyThere", location: to } as const
        // A count of the database's paths, only for "listed N of ~M objects": the copy goes on without it.
        const expected = yield* migrator.rewritePaths(from, to, { dryRun: true }).pipe(
          Effect.map((report): number | undefined => report.total),
          Effect.catch(() => Effect.succeed(undefined))
        )
        const sides: Sides = { ...(yield* enginesFor(from, to)), expected }

        const running = !options.serverStopped && (yield* activity.serverConnections(db.query)) > 0
        yield* step({ _tag: "Copying", from, to })
        // While the server runs, only the bulk copy: new uploads may still arrive. Once it is stopped, the
        // final copy is the only pass needed (a bulk pass first would list and compare everything twice).
        if (running) {
          const bulk = yield* copy(sides, options, "bulk", false)
          yield* step({ _tag: "Copied", pass: "bulk", result: bulk })
          if (bulk.failures.length > 0) return yield* new BulkCopyFailed({ failures: failureData(bulk.failures) })
          return { _tag: "ServerRunning", from, to } as const
        }

        const final = yield* copy(sides, options, "final", options.delete)
        yield* step({ _tag: "Copied", pass: "final", result: final })
        const check = yield* stillMissing(sides, final, options.listConcurrency)
        if (check.missing > 0) return yield* new CutOverVerificationFailed({ missing: check.missing, location: to })
        yield* step({ _tag: "Verified", files: check.present, location: to })

        yield* step({ _tag: "Rewritten", report: yield* migrator.rewritePaths(from, to, { dryRun: false }) })
        return { _tag: "Switched", from, to, environment: environmentFor(target) } as const
      }, Effect.scoped)

      return { run }
    })
  )
}
