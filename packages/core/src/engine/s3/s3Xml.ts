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

const commonPrefixesOf = (xml: string, urlEncoded: boolean): Array<string> => {
  const prefixes: Array<string> = []
  let at = 0
  for (;;) {
    const open = xml.indexOf("<CommonPrefixes>", at)
    if (open === -1) break
    const close = xml.indexOf("</CommonPrefixes>", open)
    if (close === -1) break
    const text = elementText(xml.slice(open + 16, close), "Prefix")
    at = close + 17
    const prefix = text === undefined || !urlEncoded ? text : decodeUrlEncodedKey(text)
    if (prefix !== undefined) prefixes.push(prefix)
  }
  return prefixes
}

/**
 * One page of a ListObjectsV2 answer. Keys are decoded when the answer says they were URL-encoded
 * (`<EncodingType>url</EncodingType>`); a server that ignores `encoding-type` sends them as they are.
 */
export const parseListObjectsV2 = (xml: string): ListPage => {
  const objects: Array<ListedObject> = []
  // Text never holds a literal "<" (XML escapes it), so a key cannot be mistaken for these elements.
  const urlEncoded = elementText(xml, "EncodingType") === "url"
  let at = 0
  for (;;) {
    const open = xml.indexOf("<Contents>", at)
    if (open === -1) break
    const close = xml.indexOf("</Contents>", open)
    if (close === -1) break
    const entry = xml.slice(open + 10, close)
    at = close + 11
    const text = elementText(entry, "Key")
    const key = text === undefined || !urlEncoded ? text : decodeUrlEncodedKey(text)
    if (key === undefined) continue
    const lastModified = elementText(entry, "LastModified")
    objects.push({
      key,
      size: Number(elementText(entry, "Size") ?? 0),
      lastModified: lastModified === undefined ? new Date(0) : new Date(lastModified),
      etag: elementText(entry, "ETag")
    })
  }
  const truncated = elementText(xml, "IsTruncated") === "true"
  const next = truncated ? elementText(xml, "NextContinuationToken") : undefined
  return { objects, nextContinuationToken: next, commonPrefixes: commonPrefixesOf(xml, urlEncoded) }
}

/** The `<Code>` and `<Message>` of an S3 error document (absent for HEAD requests, which have no body). */
export const parseErrorXml = (
  xml: string
): { readonly code: string | undefined; readonly message: string | undefined } => ({
  code: elementText(xml, "Code"),
  message: elementText(xml, "Message")
})
