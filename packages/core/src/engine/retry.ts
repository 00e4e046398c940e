import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type { StorageError } from "./errors.ts"

/** The one retry policy for storage I/O. Only `StorageUnavailable` (a transient fault) is retried. */
export interface RetryPolicy {
  readonly retries: number
  readonly baseDelay: Duration.Input
  readonly maxDelay: Duration.Input
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 5, baseDelay: "100 millis", maxDelay: "5 seconds" }

export const retryTransient =
  (policy: RetryPolicy) => <A, E extends StorageError, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.retry(
      effect,
      Schedule.min([Schedule.exponential(policy.baseDelay), Schedule.spaced(policy.maxDelay)]).pipe(
        Schedule.jittered,
        Schedule.upTo({ times: policy.retries }),
        Schedule.setInputType<E>(),
        Schedule.while(({ input }) => input._tag === "StorageUnavailable")
      )
    )
