import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { StorageEngineShape } from "../engine/StorageEngine.ts"
import { executeSync } from "./executeSync.ts"
import type { SyncOptions } from "./executeSync.ts"
import { deleteHazard } from "./deleteGuard.ts"
import { planSync } from "./syncPlan.ts"

export class DeleteRefused extends Schema.TaggedError<DeleteRefused>()("DeleteRefused", {
  reason: Schema.String
}) {
  override get message(): string {
    return `Refusing to sync with --delete: ${this.reason}. Nothing was changed. If this really is what you want, add --force.`
  }
}

/** Lists both sides at once (one listing call per 1,000 keys on S3, no per-file HEAD), then plans. */
export const planEngines = (source: StorageEngineShape, destination: StorageEngineShape, excludes: ReadonlyArray<string>) =>
  Effect.all([Stream.runCollect(source.list("")), Stream.runCollect(destination.list(""))], { concurrency: 2 }).pipe(
    Effect.map(([src, dst]) => planSync(src, dst, { excludes }))
  )

/** A whole sync: plan, then (unless dry-run) carry it out. */
export const syncEngines = Effect.fn("syncEngines")(function*(
  source: StorageEngineShape,
  destination: StorageEngineShape,
  options: SyncOptions & { readonly excludes: ReadonlyArray<string>; readonly dryRun: boolean; readonly force?: boolean }
) {
  const plan = yield* planEngines(source, destination, options.excludes)
  if (options.dryRun) return { plan, result: undefined }
  const hazard = options.delete && options.force !== true ? deleteHazard(plan) : undefined
  if (hazard !== undefined) return yield* new DeleteRefused({ reason: hazard })
  const result = yield* executeSync(source, destination, plan, options)
  return { plan, result }
})
