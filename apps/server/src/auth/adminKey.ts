import { LOCK_IDS, lockForTransaction } from "@immich-storage/core"
import type { DatabaseShape, RepositoriesShape } from "@immich-storage/core"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { hashApiKey, newApiKeySecret, PERMISSION_ALL } from "./apiKeys.ts"

/** Held while the admin key is checked, so instances starting together create one admin, not two. */
const ADMIN_BOOTSTRAP_LOCK_ID = LOCK_IDS.adminBootstrap

/** IMMICH_ADMIN_API_KEY is already another user's key: promoting that user would be a surprise. */
export class AdminKeyRefused extends Schema.TaggedError<AdminKeyRefused>()("AdminKeyRefused", {}) {
  override get message(): string {
    return "IMMICH_ADMIN_API_KEY is the API key of a user who is not an admin; choose another key"
  }
}

/** The admin user this server creates when a database has none. */
export const DEFAULT_ADMIN_EMAIL = "admin@immich.local"

export type AdminKeyOutcome =
  | { readonly _tag: "Configured"; readonly created: boolean }
  | { readonly _tag: "FirstKey"; readonly secret: string }
  | { readonly _tag: "Unchanged" }

/**
 * Makes sure the database can be used through the API:
 * - with `IMMICH_ADMIN_API_KEY`, an admin user holds that key (the first admin, created when there is
 *   none); a key that belongs to a non-admin user is refused rather than silently promoted;
 * - without it, on a database with no admin at all (a fresh install), an admin and a first key are
 *   created and the key is returned to be printed, once: only its digest is stored.
 * A database that already has an admin (an existing Immich install) is left as it is.
 */
export const ensureAdminKey = (
  db: DatabaseShape,
  { apiKeys, users }: Pick<RepositoriesShape, "apiKeys" | "users">,
  configured: Redacted.Redacted<string> | undefined
) =>
  db.transaction((tx) =>
    Effect.gen(function*() {
      yield* lockForTransaction(tx, ADMIN_BOOTSTRAP_LOCK_ID)
      const existingAdmin = yield* users.firstAdmin(tx)
      const adminId = (email: string) =>
        existingAdmin !== undefined ? Effect.succeed(existingAdmin) : users.createAdmin(tx, email, "Admin")
      const insertKey = (userId: string, name: string, digest: Buffer) =>
        apiKeys.insert(tx, { userId, name, digest, permissions: [PERMISSION_ALL] })

      if (configured !== undefined) {
        const digest = hashApiKey(Redacted.value(configured))
        const holders = yield* apiKeys.holders(tx, digest)
        if (holders.some((h) => h.isAdmin)) return { _tag: "Configured", created: false } as AdminKeyOutcome
        if (holders.length > 0) {
          return yield* new AdminKeyRefused()
        }
        yield* insertKey(yield* adminId(DEFAULT_ADMIN_EMAIL), "IMMICH_ADMIN_API_KEY", digest)
        return { _tag: "Configured", created: true } as AdminKeyOutcome
      }
      if (existingAdmin !== undefined) return { _tag: "Unchanged" } as AdminKeyOutcome
      const secret = newApiKeySecret()
      yield* insertKey(yield* adminId(DEFAULT_ADMIN_EMAIL), "First admin key", hashApiKey(secret))
      return { _tag: "FirstKey", secret } as AdminKeyOutcome
    })
  )

/** Prints the first key on stdout, once, where the operator starting the server sees it. */
export const reportAdminKey = (outcome: AdminKeyOutcome) => {
  switch (outcome._tag) {
    case "FirstKey":
      return Console.log(
        [
          "",
          "  First start: created the admin user " + DEFAULT_ADMIN_EMAIL + " and an API key for it.",
          "  It is shown this once; only its hash is stored. Keep it, e.g. for `immich login`:",
          "",
          `  Admin API key: ${outcome.secret}`,
          ""
        ].join("\n")
      )
    case "Configured":
      return outcome.created ? Effect.logInfo("The admin user now holds IMMICH_ADMIN_API_KEY") : Effect.void
    case "Unchanged":
      return Effect.void
  }
}
