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
  readonly buckets: ReadonlyMap<string, Map<string, StoredObject>>
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

type Objects = Map<string, StoredObject>

/**
 * Each bucket's keys in byte order, kept until a key is added or removed: sorting the whole bucket for
 * every 1,000-key page would make listing 200,000 objects cost seconds of server time.
 */
const sortedKeys = new WeakMap<Objects, Array<string> | undefined>()

/** Watches a bucket's map so that an added or removed key drops its sorted keys (an overwrite keeps them). */
const watch = (objects: Objects) => {
  const stale = () => void sortedKeys.set(objects, undefined)
  const set = objects.set.bind(objects)
  const remove = objects.delete.bind(objects)
  const clear = objects.clear.bind(objects)
  objects.set = (key, value) => {
    if (!objects.has(key)) stale()
    return set(key, value)
  }
  objects.delete = (key) => {
    const had = remove(key)
    if (had) stale()
    return had
  }
  objects.clear = () => {
    stale()
    clear()
  }
  stale()
}

const keysInOrder = (objects: Objects): Array<string> => {
  if (!sortedKeys.has(objects)) watch(objects)
  const cached = sortedKeys.get(objects)
  if (cached !== undefined) return cached
  const keys = [...objects.keys()].sort(compareUtf8)
  sortedKeys.set(objects, keys)
  return keys
}

/** The index of the first key that is not before `bound` (or after it, with `strictly`). */
const firstFrom = (keys: ReadonlyArray<string>, bound: string, strictly: boolean) => {
  let low = 0
  let high = keys.length
  while (low < high) {
    const middle = (low + high) >>> 1
    const order = compareUtf8(keys[middle]!, bound)
    if (order < 0 || (strictly && order === 0)) low = middle + 1
    else high = middle
  }
  return low
}

const listInByteOrder = (store: ListableStore, bucket: string, options: ListOptions = {}) => {
  const objects = store.buckets.get(bucket) as Objects | undefined
  // Unknown buckets keep fauxqs's own NoSuchBucket answer.
  if (objects === undefined) return undefined
  const prefix = options.prefix ?? ""
  const delimiter = options.delimiter
  const maxKeys = options.maxKeys ?? 1000
  const after = options.startAfter ?? options.marker ?? ""
  const keys = keysInOrder(objects)
  const result: Array<StoredObject> = []
  const prefixes = new Set<string>()
  let isTruncated = false
  for (let i = Math.max(firstFrom(keys, prefix, false), firstFrom(keys, after, true)); i < keys.length; i++) {
    const key = keys[i]!
    if (!key.startsWith(prefix)) break
    const cut = delimiter === undefined || delimiter === "" ? -1 : key.indexOf(delimiter, prefix.length)
    const common = cut < 0 ? undefined : key.slice(0, cut + delimiter!.length)
    if (common !== undefined && (prefixes.has(common) || (after !== "" && compareUtf8(common, after) <= 0))) continue
    if (result.length + prefixes.size >= maxKeys) {
      isTruncated = true
      break
    }
    if (common === undefined) result.push(objects.get(key)!)
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
