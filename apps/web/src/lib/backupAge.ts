/** The wall-clock time `yyyyMMddTHHmmss` in an Immich backup name, in the zone the server stamps names with. */
const STAMP = /immich-db-backup-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})/

const offsetMs = (utc: number, timeZone: string): number => {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit"
  }).formatToParts(new Date(utc))
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0)
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"))
  return wall - utc
}

/** When the backup was taken (epoch ms), or undefined for names without a time (older Immich names). */
export const backupTakenAt = (fileName: string, timeZone: string): number | undefined => {
  const m = STAMP.exec(fileName)
  if (m === null) return undefined
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]))
  try {
    return wall - offsetMs(wall, timeZone)
  } catch {
    return wall
  }
}

export const formatAge = (ms: number): string => {
  const minutes = Math.max(0, Math.round(ms / 60_000))
  if (minutes < 1) return "just now"
  if (minutes < 60) return `${minutes} min ago`
  const hours = Math.round(minutes / 60)
  if (hours < 48) return `${hours} h ago`
  return `${Math.round(hours / 24)} days ago`
}

export const formatSize = (bytes: number): string => {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"]
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`
}
