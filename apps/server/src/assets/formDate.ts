/** `YYYY-MM-DD` at the start of an ISO 8601 date: the calendar date as the client wrote it. */
const ISO_DAY = /^([+-]\d{6}|\d{4})-(\d{2})-(\d{2})/

/**
 * A date field of an upload form, or undefined when it is not one PostgreSQL can store as the client meant it.
 * JavaScript rolls impossible days over (`2020-02-30` becomes 1 March) and reads years past 9999, which
 * PostgreSQL misreads; both are refused rather than stored as another date.
 */
export const parseFormDate = (value: string): Date | undefined => {
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) return undefined
  const year = date.getUTCFullYear()
  if (year < 1 || year > 9999) return undefined
  const day = ISO_DAY.exec(value)
  if (day !== null) {
    const written = new Date(0)
    written.setUTCFullYear(Number(day[1]), Number(day[2]) - 1, Number(day[3]))
    if (written.getUTCMonth() !== Number(day[2]) - 1 || written.getUTCDate() !== Number(day[3])) return undefined
  }
  return date
}
