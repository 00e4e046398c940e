/**
 * What a sync must do, decided from the two listings alone, as `aws s3 sync` decides it: a file is copied
 * when it is missing at the destination, its size differs, or the source is newer. Times are compared in
 * whole seconds, because S3 listings give whole seconds; so neither tool sees the other's fresh copy as
 * newer. `planSync` joins two whole listings by key, in any order; a sync streams the same decisions from
 * two sorted listings (`planSorted`, `planStreams`), and the tests hold the merge to this planner.
 */
export interface ListedFile {
  readonly key: string
  readonly size: number
  readonly lastModified: Date
  /**
   * The MD5 the listing claims for the content (an S3 ETag that looks like one), if any: `--checksum`
   * takes a match with the other side's MD5 for proof of the same content, and looks further on a mismatch.
   */
  readonly listedMd5?: string | undefined
}

export type CopyReason = "missing" | "size" | "newer"

export interface SyncPlan {
  readonly copy: ReadonlyArray<ListedFile & { readonly reason: CopyReason }>
  /** Same size, source not newer: only `--checksum` looks further, by comparing content. */
  readonly unchanged: ReadonlyArray<ListedFile>
  /** Destination files the source lacks; deleted only with `--delete`. */
  readonly extra: ReadonlyArray<ListedFile>
  readonly excluded: number
}

/** `aws s3 sync --exclude` patterns: `*` matches any run of characters (slashes too), `?` one character. */
export const globToRegExp = (glob: string): RegExp =>
  new RegExp(`^${glob.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "s")

const seconds = (date: Date) => Math.floor(date.getTime() / 1000)

export const planSync = (
  source: Iterable<ListedFile>,
  destination: Iterable<ListedFile>,
  options: { readonly excludes?: ReadonlyArray<string> } = {}
): SyncPlan => {
  const patterns = (options.excludes ?? []).map(globToRegExp)
  const isExcluded = (key: string) => patterns.some((p) => p.test(key))
  let excluded = 0
  const target = new Map<string, ListedFile>()
  for (const file of destination) if (!isExcluded(file.key)) target.set(file.key, file)
  const copy: Array<ListedFile & { reason: CopyReason }> = []
  const unchanged: Array<ListedFile> = []
  const seen = new Set<string>()
  for (const file of source) {
    if (isExcluded(file.key)) {
      excluded++
      continue
    }
    seen.add(file.key)
    const there = target.get(file.key)
    if (there === undefined) copy.push({ ...file, reason: "missing" })
    else if (there.size !== file.size) copy.push({ ...file, reason: "size" })
    else if (seconds(file.lastModified) > seconds(there.lastModified)) copy.push({ ...file, reason: "newer" })
    else unchanged.push(file)
  }
  const extra = [...target.values()].filter((file) => !seen.has(file.key))
  return { copy, unchanged, extra, excluded }
}
