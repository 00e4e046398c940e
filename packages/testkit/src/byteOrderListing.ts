/**
 * fauxqs 2.4 sorts a listing with `localeCompare` but pages with `<=` on UTF-16 strings, so it lists in
 * locale order (where `_` sorts first and `a` before `B`), and keys whose two orders disagree can be skipped
 * or repeated across pages. AWS, Ceph, MinIO and R2 list in UTF-8 byte order, and the sync merge relies on
 * it. This replaces the store's `listObjects` with one that sorts and pages in UTF-8 byte order.
 */

interface StoredObject {
  readonly key: string
}

interface ListOptions {
  readonly prefix?: string
  readonly delimiter?: string
  readonly maxKeys?: number
  readonly startAfter?: string
  readonly marker?: string
}

interface ListableStore {
  readonly buckets: ReadonlyMap<string, ReadonlyMap<string, StoredObject>>
  listObjects: (bucket: string, options?: ListOptions) => unknown
}

/** A UTF-16 unit's place in code point order (= UTF-8 byte order): surrogates after 0xE000-0xFFFF. */
const rank = (unit: number) => (unit < 0xd800 ? unit : unit >= 0xe000 ? unit - 0x800 : unit + 0x2000)

export const compareUtf8 = (a: string, b: string): number => {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return rank(x) - rank(y)
  }
  return a.length - b.length
}

const listInByteOrder = (store: ListableStore, bucket: string, options: ListOptions = {}) => {
  const objects = store.buckets.get(bucket)
  // Unknown buckets keep fauxqs's own NoSuchBucket answer.
  if (objects === undefined) return undefined
  const prefix = options.prefix ?? ""
  const delimiter = options.delimiter
  const maxKeys = options.maxKeys ?? 1000
  const after = options.startAfter ?? options.marker ?? ""
  const sorted = [...objects.values()].filter((o) => o.key.startsWith(prefix)).sort((a, b) => compareUtf8(a.key, b.key))
  const result: Array<StoredObject> = []
  const prefixes = new Set<string>()
  let isTruncated = false
  for (const object of sorted) {
    if (after !== "" && compareUtf8(object.key, after) <= 0) continue
    const cut = delimiter === undefined || delimiter === "" ? -1 : object.key.indexOf(delimiter, prefix.length)
    const common = cut < 0 ? undefined : object.key.slice(0, cut + delimiter!.length)
    if (common !== undefined && (prefixes.has(common) || (after !== "" && compareUtf8(common, after) <= 0))) continue
    if (result.length + prefixes.size >= maxKeys) {
      isTruncated = true
      break
    }
    if (common === undefined) result.push(object)
    else prefixes.add(common)
  }
  return { objects: result, commonPrefixes: [...prefixes].sort(compareUtf8), isTruncated }
}

/** Makes fauxqs's S3 store list (and page) in UTF-8 byte order, as AWS does. */
export const listInUtf8Order = (store: unknown): void => {
  const listable = store as ListableStore
  const original = listable.listObjects.bind(listable)
  listable.listObjects = (bucket, options) => listInByteOrder(listable, bucket, options) ?? original(bucket, options)
}
