import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/**
 * How failed logins are slowed: the first `freeAttempts` within `windowMs` cost nothing, each one after
 * that waits twice as long as the one before, from `baseDelayMs` up to `maxDelayMs`. A user who mistypes a
 * few times never notices; a guesser gets a handful of tries a minute instead of thousands. Nothing is ever
 * locked, so a guesser cannot lock the owner out: the owner's right password waits at most `maxDelayMs`.
 */
export interface ThrottlePolicy {
  readonly freeAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  readonly windowMs: number
  /** Clients and accounts remembered at most; the oldest are forgotten first. */
  readonly maxEntries: number
}

export const DEFAULT_THROTTLE: ThrottlePolicy = {
  freeAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 15_000,
  windowMs: 15 * 60_000,
  maxEntries: 10_000
}

/** The wait before an attempt when `earlier` attempts are on record. */
export const throttleDelayMs = (earlier: number, policy: ThrottlePolicy): number =>
  earlier < policy.freeAttempts
    ? 0
    : Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(30, earlier - policy.freeAttempts))

interface Entry {
  count: number
  lastAt: number
}

/**
 * Unsuccessful attempts per key within the window, in a map of bounded size: entries are kept in order of
 * their last attempt (a touched entry moves to the end), so the expired and the oldest are at the front.
 */
export class AttemptLog {
  private readonly entries = new Map<string, Entry>()
  private readonly policy: ThrottlePolicy
  constructor(policy: ThrottlePolicy) {
    this.policy = policy
  }

  count(key: string, now: number): number {
    const entry = this.entries.get(key)
    return entry === undefined || now - entry.lastAt > this.policy.windowMs ? 0 : entry.count
  }

  /** Records an attempt; returns how many were on record before it. */
  add(key: string, now: number): number {
    const earlier = this.count(key, now)
    this.entries.delete(key)
    this.entries.set(key, { count: earlier + 1, lastAt: now })
    this.prune(now)
    return earlier
  }

  /** Takes one attempt back (it succeeded). */
  forgive(key: string): void {
    const entry = this.entries.get(key)
    if (entry === undefined) return
    if (entry.count <= 1) this.entries.delete(key)
    else entry.count -= 1
  }

  clear(key: string): void {
    this.entries.delete(key)
  }

  get size(): number {
    return this.entries.size
  }

  private prune(now: number): void {
    for (const [key, entry] of this.entries) {
      const expired = now - entry.lastAt > this.policy.windowMs
      if (!expired && this.entries.size <= this.policy.maxEntries) return
      this.entries.delete(key)
    }
  }
}

export class LoginThrottle extends Context.Service<LoginThrottle, {
  /**
   * Counts an attempt by `client` (its address) on `account` (the e-mail) and waits as long as the worse of
   * the two records asks. Attempts are counted before they are checked, so parallel guesses wait too.
   */
  readonly attempt: (client: string, account: string) => Effect.Effect<void>
  /** The attempt succeeded: the account's record is cleared, and the client's loses this attempt. */
  readonly succeeded: (client: string, account: string) => Effect.Effect<void>
}>()("@immich-storage/server/LoginThrottle") {
  static readonly make = (policy: ThrottlePolicy) =>
    Layer.sync(LoginThrottle, () => {
      const log = new AttemptLog(policy)
      return LoginThrottle.of({
        attempt: (client, account) =>
          Effect.suspend(() => {
            const now = Date.now()
            const earlier = Math.max(log.add(`client:${client}`, now), log.add(`account:${account}`, now))
            const delay = throttleDelayMs(earlier, policy)
            return delay === 0 ? Effect.void : Effect.sleep(delay)
          }),
        succeeded: (client, account) =>
          Effect.sync(() => {
            log.forgive(`client:${client}`)
            log.clear(`account:${account}`)
          })
      })
    })

  static readonly layer = LoginThrottle.make(DEFAULT_THROTTLE)
}
