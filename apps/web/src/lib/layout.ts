import type { TimeBucketsResponseDto } from "./dtos.ts"

/** A month of the timeline placed on the page: its heading, then `rows` rows of square cells. */
export interface MonthBlock {
  readonly timeBucket: string
  readonly count: number
  readonly top: number
  readonly rows: number
  readonly height: number
}

export interface Grid {
  readonly columns: number
  /** Side of a cell, gap included. */
  readonly cell: number
  readonly heading: number
}

/**
 * Columns and cell size for a width: cells near `target` pixels (Immich's timeline rows are about 235 px
 * high) that fill the row exactly. Heights follow from the bucket counts alone, so the whole page has its
 * final height before any month is fetched.
 */
export const gridFor = (width: number, target = 235, heading = 48): Grid => {
  const columns = Math.max(2, Math.round(width / target))
  return { columns, cell: Math.floor(width / columns), heading }
}

export const layoutMonths = (buckets: ReadonlyArray<TimeBucketsResponseDto>, grid: Grid) => {
  let top = 0
  const blocks: Array<MonthBlock> = buckets.map(({ timeBucket, count }) => {
    const rows = Math.ceil(count / grid.columns)
    const block = { timeBucket, count, top, rows, height: grid.heading + rows * grid.cell }
    top += block.height
    return block
  })
  return { blocks, height: top }
}

/** Months that overlap [from, to) (pixels from the top of the timeline); blocks are in page order. */
export const blocksBetween = (blocks: ReadonlyArray<MonthBlock>, from: number, to: number): Array<MonthBlock> => {
  let low = 0
  let high = blocks.length
  while (low < high) {
    const mid = (low + high) >> 1
    const block = blocks[mid]!
    if (block.top + block.height <= from) low = mid + 1
    else high = mid
  }
  const found: Array<MonthBlock> = []
  for (let i = low; i < blocks.length && blocks[i]!.top < to; i++) found.push(blocks[i]!)
  return found
}

export interface CellRange {
  readonly first: number
  readonly end: number
}

/** Indexes of the assets of `block` whose row overlaps [from, to). */
export const cellsBetween = (block: MonthBlock, grid: Grid, from: number, to: number): CellRange => {
  const rowsTop = block.top + grid.heading
  const firstRow = Math.max(0, Math.floor((from - rowsTop) / grid.cell))
  const endRow = Math.min(block.rows, Math.ceil((to - rowsTop) / grid.cell))
  return { first: firstRow * grid.columns, end: Math.min(block.count, Math.max(firstRow, endRow) * grid.columns) }
}

/** "May 2024" for a time bucket such as `2024-05-01` (upstream) or `2024-05-01T00:00:00.000Z`. */
export const monthTitle = (timeBucket: string): string => {
  const match = /^(\d{4})-(\d{2})/.exec(timeBucket)
  if (match === null) return timeBucket
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1))
  return date.toLocaleDateString(undefined, { month: "long", year: "numeric", timeZone: "UTC" })
}
