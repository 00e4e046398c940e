/**
 * `asset.duration` in both of upstream's shapes: text `H:MM:SS.ffffff` up to v2.x, integer milliseconds
 * since v3.0. The API (v3) speaks milliseconds; the text shape is only ever read from or written to a v2 row.
 */
const DURATION_TEXT = /^(\d+):([0-5]?\d):([0-5]?\d(?:\.\d+)?)$/

/** Milliseconds of a v2 duration text, or null for an absent or unreadable one (never NaN). */
export const durationTextToMs = (text: string | null): number | null => {
  const match = text === null ? null : DURATION_TEXT.exec(text.trim())
  if (match === null) return null
  const [, hours, minutes, seconds] = match
  return Math.round((Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds)) * 1000)
}

/** The v2 text for whole milliseconds, with six decimals as upstream writes it (`0:01:05.250000`). */
export const msToDurationText = (milliseconds: number): string => {
  const ms = Math.max(0, Math.round(milliseconds))
  const hours = Math.floor(ms / 3_600_000)
  const minutes = Math.floor((ms % 3_600_000) / 60_000)
  const seconds = Math.floor((ms % 60_000) / 1000)
  const fraction = String(ms % 1000).padStart(3, "0") + "000"
  return `${hours}:${String(minutes).padStart(2, "0")}:${String(seconds).padStart(2, "0")}.${fraction}`
}

/**
 * A duration as a client sends it: milliseconds (v3) or the v2 text. Undefined for anything else, so the
 * caller can say what is wrong.
 */
export const parseClientDuration = (value: string): number | undefined => {
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed))
  return durationTextToMs(trimmed) ?? undefined
}
