/**
 * Every Postgres advisory lock id this project takes, in one table. Immich shares the database, so its
 * ids mean the same here (we take them to exclude Immich's own jobs), and our own ids must never equal
 * any of Immich's: its `DatabaseLock` enum (server/src/enum.ts) uses small numbers, 42 to 1337 up to v3.2
 * (42, 67, 69, 100, 200, 300, 420, 500, 512, 600, 621, 666, 700, 777, 800, 850, 910, 1337). Ours live at
 * 70201 and up, far from that range. All are taken with the single-bigint form, as Immich does.
 */
export const LOCK_IDS = {
  /** Immich's: schema migrations. */
  migrations: 200,
  /** Immich's: the database backup job. */
  backup: 42,
  /** Immich's: rewriting paths after the media location changed. */
  mediaLocation: 700,
  /** Ours: creating the first admin key. */
  adminBootstrap: 70201,
  /** Ours: removing crash leftovers (temp files, incomplete uploads) from the media location. */
  leftoverCleanup: 70202
} as const

/** The ids Immich itself uses (for the test that ours never collide with them). */
export const IMMICH_LOCK_IDS: ReadonlyArray<number> = [
  42,
  67,
  69,
  100,
  200,
  300,
  420,
  500,
  512,
  600,
  621,
  666,
  700,
  777,
  800,
  850,
  910,
  1337
]
