import { LOCK_IDS } from "../db/lockIds.ts"

/** Immich's advisory lock for media-location changes. */
export const MEDIA_LOCATION_LOCK_ID = LOCK_IDS.mediaLocation

export type MediaLocationDecision =
  /** New only when no path is stored either; otherwise the paths tell (`inferLegacyLocation`). */
  | { readonly _tag: "NothingSaved" }
  | { readonly _tag: "Unchanged" }
  | { readonly _tag: "Moved"; readonly from: string; readonly to: string }

/** Bases are compared without trailing slashes, as Immich stores them either way. */
export const normaliseBase = (base: string): string => (base.length > 1 ? base.replace(/\/+$/, "") : base)

/** What to do at boot, given the saved location (if any) and the current one. */
export const decideMediaLocation = (saved: string | undefined, current: string): MediaLocationDecision => {
  if (saved === undefined || saved.trim() === "") return { _tag: "NothingSaved" }
  const from = normaliseBase(saved)
  const to = normaliseBase(current)
  return from === to ? { _tag: "Unchanged" } : { _tag: "Moved", from, to }
}
