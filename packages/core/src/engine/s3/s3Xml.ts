/**
 * The few S3 XML documents the lean request path reads, parsed without a general XML parser: S3's
 * responses are flat, attribute-free elements, and the AWS SDK's generic parser was the largest
 * client cost of listing a big bucket.
 */

const ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'" }

/** Text content as XML escapes it: the five named entities and numeric character references. */
export const decodeXmlText = (text: string): string =>
  text.indexOf("&") === -1
    ? text
    : text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, entity: string) =>
      entity.startsWith("#x")
        ? String.fromCodePoint(Number.parseInt(entity.slice(2), 16))
        : entity.startsWith("#")
        ? String.fromCodePoint(Number.parseInt(entity.slice(1), 10))
        : ENTITIES[entity]!)

/** The text of the first `<name>` element in `xml`, decoded; undefined when absent. */
export const elementText = (xml: string, name: string): string | undefined => {
  const open = xml.indexOf(`<${name}>`)
  if (open === -1) return undefined
  const start = open + name.length + 2
  const end = xml.indexOf(`</${name}>`, start)
  return end === -1 ? undefined : decodeXmlText(xml.slice(start, end))
}

export interface ListedObject {
  readonly key: string
  readonly size: number
  readonly lastModified: Date
  readonly etag: string | undefined
}

export interface ListPage {
  readonly objects: ReadonlyArray<ListedObject>
  readonly nextContinuationToken: string | undefined
  /** With a delimiter: the prefixes that stand for the keys below them ("a/" for "a/b.jpg"), decoded. */
  readonly commonPrefixes: ReadonlyArray<string>
}

/**
 * A key from a listing asked for with `encoding-type=url`: percent-escaped UTF-8, a space as "+" (S3
 * escapes a literal "+" as %2B; botocore and rclone decode the same way). Undefined when it is not valid
 * escaping, which no server that honours the encoding sends.
 */
export const decodeUrlEncodedKey = (text: string): string | undefined => {
  if (text.indexOf("%") === -1 && text.indexOf("+") === -1) return text
  try {
    return decodeURIComponent(text.replace(/\+/g, " "))
  } catch {
    return undefined
  }
}

/** Element tags as bytes, so a listing is searched without being turned into one large string. */
const tag = (text: string) => Buffer.from(text, "latin1")
const tagPair = (name: string) => [tag(`<${name}>`), tag(`</${name}>`)] as const
const CONTENTS = tagPair("Contents")
const COMMON_PREFIXES = tagPair("CommonPrefixes")
const LIST_TAGS = {
  Key: tagPair("Key"),
  LastModified: tagPair("LastModified"),
  Size: tagPair("Size"),
  ETag: tagPair("ETag"),
  Prefix: tagPair("Prefix"),
  EncodingType: tagPair("EncodingType"),
  IsTruncated: tagPair("IsTruncated"),
  NextContinuationToken: tagPair("NextContinuationToken")
}
type ListElement = keyof typeof LIST_TAGS

/**
 * The text of the first `<name>` element within `bytes`, decoded into a string of its own. A substring of
 * the page's text would keep the whole page alive for as long as the key lives, which in a sync is after
 * the page was parsed; it was most of a big listing's memory.
 */
const elementTextOf = (bytes: Buffer, name: ListElement): string | undefined => {
  const [openTag, closeTag] = LIST_TAGS[name]
  const open = bytes.indexOf(openTag)
  if (open === -1) return undefined
  const start = open + openTag.length
  const end = bytes.indexOf(closeTag, start)
  return end === -1 ? undefined : decodeXmlText(bytes.toString("utf8", start, end))
}

/** The bytes inside each `open … close` element, in order (S3's list elements never nest in themselves). */
const eachElement = (bytes: Buffer, [open, close]: readonly [Buffer, Buffer], use: (inner: Buffer) => void) => {
  let at = 0
  for (;;) {
    const start = bytes.indexOf(open, at)
    if (start === -1) return
    const end = bytes.indexOf(close, start)
    if (end === -1) return
    use(bytes.subarray(start + open.length, end))
    at = end + close.length
  }
}

/**
 * One page of a ListObjectsV2 answer, read from its bytes. Keys are decoded when the answer says they were
 * URL-encoded (`<EncodingType>url</EncodingType>`); a server that ignores `encoding-type` sends them as they are.
 */
export const parseListObjectsV2 = (xml: Uint8Array | string): ListPage => {
  const bytes = typeof xml === "string" ? Buffer.from(xml) : Buffer.from(xml.buffer, xml.byteOffset, xml.byteLength)
  // Text never holds a literal "<" (XML escapes it), so a key cannot be mistaken for these elements.
  const urlEncoded = elementTextOf(bytes, "EncodingType") === "url"
  const decode = (text: string | undefined) => (text === undefined || !urlEncoded ? text : decodeUrlEncodedKey(text))
  const objects: Array<ListedObject> = []
  eachElement(bytes, CONTENTS, (entry) => {
    const key = decode(elementTextOf(entry, "Key"))
    if (key === undefined) return
    const lastModified = elementTextOf(entry, "LastModified")
    objects.push({
      key,
      size: Number(elementTextOf(entry, "Size") ?? 0),
      lastModified: lastModified === undefined ? new Date(0) : new Date(lastModified),
      etag: elementTextOf(entry, "ETag")
    })
  })
  const commonPrefixes: Array<string> = []
  eachElement(bytes, COMMON_PREFIXES, (entry) => {
    const prefix = decode(elementTextOf(entry, "Prefix"))
    if (prefix !== undefined) commonPrefixes.push(prefix)
  })
  const truncated = elementTextOf(bytes, "IsTruncated") === "true"
  const next = truncated ? elementTextOf(bytes, "NextContinuationToken") : undefined
  return { objects, nextContinuationToken: next, commonPrefixes }
}

/** The `<Code>` and `<Message>` of an S3 error document (absent for HEAD requests, which have no body). */
export const parseErrorXml = (
  xml: string
): { readonly code: string | undefined; readonly message: string | undefined } => ({
  code: elementText(xml, "Code"),
  message: elementText(xml, "Message")
})
