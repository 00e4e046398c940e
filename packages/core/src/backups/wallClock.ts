/**
 * `yyyyMMdd'T'HHmmss` on a time zone's wall clock, both ways: Immich stamps backup names with the server's
 * local time (luxon's `DateTime.now()`), not UTC.
 */
const pad = (n: number, width = 2) => String(n).padStart(width, "0")

const formatters = new Map<string, Intl.DateTimeFormat>()
const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  let formatter = formatters.get(timeZone)
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit"
    })
    formatters.set(timeZone, formatter)
  }
  return formatter
}

interface Fields {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
}

const fieldsAt = (date: Date, timeZone: string): Fields => {
  const parts: Record<string, number> = {}
  for (const part of formatterFor(timeZone).formatToParts(date)) parts[part.type] = Number(part.value)
  const { year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0 } = parts
  return { year, month, day, hour, minute, second }
}

const asUtc = (f: Fields) => Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second)

/** How far `timeZone`'s wall clock is ahead of UTC at `instant`, in milliseconds. */
const offsetAt = (instant: number, timeZone: string) =>
  asUtc(fieldsAt(new Date(instant), timeZone)) - Math.floor(instant / 1000) * 1000

export const formatWallClock = (date: Date, timeZone: string): string => {
  const f = fieldsAt(date, timeZone)
  return `${pad(f.year, 4)}${pad(f.month)}${pad(f.day)}T${pad(f.hour)}${pad(f.minute)}${pad(f.second)}`
}

/**
 * The instant `yyyyMMdd'T'HHmmss` names on `timeZone`'s wall clock. In the hour a clock turns back, the
 * stamp names two instants and this picks one; in the hour it skips, the stamp names none and this gives
 * the instant one offset away. Undefined for what is not such a stamp.
 */
export const parseWallClock = (stamp: string, timeZone: string): Date | undefined => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/.exec(stamp)
  if (m === null) return undefined
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = m.slice(1).map(Number)
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined
  const wall = Date.UTC(year, month - 1, day, hour, minute, second)
  const first = wall - offsetAt(wall, timeZone)
  return new Date(wall - offsetAt(first, timeZone))
}
