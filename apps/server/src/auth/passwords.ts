import bcrypt from "bcryptjs"
import * as Effect from "effect/Effect"

/** Upstream's cost factor: hashes this server writes are the ones an Immich server would write. */
export const BCRYPT_ROUNDS = 10

/**
 * Compared against when no user has the e-mail (or the user has no password), so that an unknown e-mail
 * takes as long as a wrong password and the timing says nothing about which accounts exist. The hash of a
 * random string nobody kept.
 */
const DUMMY_HASH = "$2b$10$Hd9h26Rl2oHmvLkzzwOl5e515eQqBao/8rsuC/WIEe5GbqCiNNHWi"

/**
 * Immich's passwords are bcrypt hashes (`$2b$`, from node's `bcrypt`); `bcryptjs` is the same algorithm in
 * JavaScript, so existing users log in with the passwords they have, and hashes from other bcrypt
 * implementations (`$2a$`, `$2y$`) verify too. Its asynchronous form yields between rounds, so one login
 * does not stall the server's other requests.
 */
export const hashPassword = (password: string): Effect.Effect<string> =>
  Effect.promise(() => bcrypt.hash(password, BCRYPT_ROUNDS))

/** Whether `password` matches `hash`; "" (no password set) matches nothing, after the same work. */
export const verifyPassword = (password: string, hash: string): Effect.Effect<boolean> =>
  Effect.promise(() => bcrypt.compare(password, hash === "" ? DUMMY_HASH : hash)).pipe(
    Effect.map((matches) => matches && hash !== ""),
    // A stored value that is not a bcrypt hash at all matches nothing.
    Effect.catchDefect(() => Effect.succeed(false))
  )
