import { Flag } from "effect/cli"
import * as Effect from "effect/Effect"
import { CliFailure } from "../CliFailure.ts"

/**
 * Listing pages in flight per S3 side. At 50–200 ms a page, a serial listing of a million objects takes
 * minutes; 8 at once cuts that about eightfold while staying far below any server's request rate limits.
 */
export const DEFAULT_LIST_CONCURRENCY = 8

export const listConcurrencyFlag = Flag.Int("list-concurrency").pipe(
  Flag.withDescription("S3 listing requests in flight per side (1: one serial chain of pages)"),
  Flag.withDefault(DEFAULT_LIST_CONCURRENCY)
)

export const checkListConcurrency = (value: number): Effect.Effect<void, CliFailure> =>
  value < 1 ? Effect.fail(new CliFailure({ message: "--list-concurrency must be at least 1" })) : Effect.void
