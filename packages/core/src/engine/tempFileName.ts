import { randomUUID } from "node:crypto"

/**
 * The local engine's temp files: `.immich-storage-<uuid>.tmp`, beside their target so the final rename is
 * atomic. The exact shape (a lower-case UUID) is what makes a file provably ours: listings hide only these,
 * and the leftover clean-up removes only these, so a user's `.immich-storage-notes.tmp` stays visible and kept.
 */
const TEMP_NAME = /^\.immich-storage-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.tmp$/

export const isTempFileName = (name: string): boolean => TEMP_NAME.test(name)

export const tempFileName = (): string => `.immich-storage-${randomUUID()}.tmp`
