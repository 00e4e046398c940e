/**
 * A ListObjectsV2 page, read from its bytes. Every object of a large listing passes through here, so the
 * reader allocates little besides what it returns: the page is searched as bytes (not turned into one large
 * string, and not cut into a buffer per entry), sizes and S3's timestamps are read from their digits.
 */
import { decodeXmlText, entityChar } from "./s3Xml.ts"

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

/** An element's tags as bytes; `id` indexes the finder's memory of where each was last found. */
interface Tag {
  readonly id: number
  readonly open: Buffer
  readonly close: Buffer
}
let tags = 0
const tag = (name: string): Tag => ({
  id: tags++,
  open: Buffer.from(`<${name}>`, "latin1"),
  close: Buffer.from(`</${name}>`, "latin1")
})
const CONTENTS = tag("Contents")
const COMMON_PREFIXES = tag("CommonPrefixes")
const KEY = tag("Key")
const LAST_MODIFIED = tag("LastModified")
const SIZE = tag("Size")
const ETAG = tag("ETag")
const PREFIX = tag("Prefix")
const ENCODING_TYPE = tag("EncodingType")
const IS_TRUNCATED = tag("IsTruncated")
const NEXT_TOKEN = tag("NextContinuationToken")
const TAGS = tags

const AMPERSAND = 0x26
const SEMICOLON = 0x3b
const AMPERSAND_BYTES = Buffer.from("&", "latin1")
/** The finder's memory slot for "&", after the tags'. */
const AMPERSAND_SLOT = 2 * TAGS

/** The ASCII byte the entity between `start` and `end` (without "&" and ";") stands for; undefined for any other. */
const asciiEntity = (bytes: Buffer, start: number, end: number): number | undefined => {
  const char = entityChar(bytes.toString("latin1", start, end))
  const code = char?.length === 1 ? char.charCodeAt(0) : undefined
  return code !== undefined && code < 0x80 ? code : undefined
}

/**
 * Elements of a page, found between bounds without copying: `find` sets `start` and `end` to an element's
 * text. Where each tag was last found is remembered, so a tag that entries lack is not searched for again up
 * to its next occurrence: the page is scanned about once per tag, whatever it holds.
 */
class ElementFinder {
  start = 0
  end = 0
  readonly bytes: Buffer
  /**
   * Per open (2 × id) and close (2 × id + 1) tag, and "&": the offset searched from last, and where it was found.
   * "&" too: on a page without entities, a search for it from every text would run to the page's end each time.
   */
  private readonly searchedFrom = new Float64Array(AMPERSAND_SLOT + 1).fill(Number.POSITIVE_INFINITY)
  private readonly foundAt = new Float64Array(AMPERSAND_SLOT + 1)
  /** Text with entities is decoded here, so it becomes a string once. */
  private scratch = Buffer.alloc(256)

  constructor(bytes: Buffer) {
    this.bytes = bytes
  }

  find(element: Tag, from: number, to: number): boolean {
    const at = this.occurrence(element.open, 2 * element.id, from)
    if (at === -1 || at >= to) return false
    const start = at + element.open.length
    const end = this.occurrence(element.close, 2 * element.id + 1, start)
    if (end === -1 || end > to) return false
    this.start = start
    this.end = end
    return true
  }

  /**
   * The text found last, decoded into a string of its own (a slice of the page's would keep the page alive).
   * Entities for ASCII characters are decoded as bytes (every ETag is `&quot;…&quot;`, or `&#34;…&#34;` from
   * MinIO); any other as text.
   */
  text(): string {
    const { bytes, end, start } = this
    const amp = this.occurrence(AMPERSAND_BYTES, AMPERSAND_SLOT, start)
    if (amp === -1 || amp >= end) return bytes.toString("utf8", start, end)
    if (this.scratch.length < end - start) this.scratch = Buffer.alloc(2 * (end - start))
    let length = 0
    for (let i = start; i < end;) {
      if (bytes[i] !== AMPERSAND) {
        this.scratch[length++] = bytes[i++]!
        continue
      }
      const semicolon = bytes.indexOf(SEMICOLON, i)
      const char = semicolon === -1 || semicolon >= end ? undefined : asciiEntity(bytes, i + 1, semicolon)
      if (char === undefined) return decodeXmlText(bytes.toString("utf8", start, end))
      this.scratch[length++] = char
      i = semicolon + 1
    }
    return this.scratch.toString("utf8", 0, length)
  }

  private occurrence(text: Buffer, slot: number, from: number): number {
    const at = this.foundAt[slot]!
    if (this.searchedFrom[slot]! <= from && (at === -1 || at >= from)) return at
    const found = this.bytes.indexOf(text, from)
    this.searchedFrom[slot] = from
    this.foundAt[slot] = found
    return found
  }
}

const digitsAt = (bytes: Buffer, at: number, count: number): number => {
  let value = 0
  for (let i = at; i < at + count; i++) {
    const digit = bytes[i]! - 48
    if (digit < 0 || digit > 9) return Number.NaN
    value = value * 10 + digit
  }
  return value
}

/** A size from its digits; anything else (never sent) as `Number` reads it. */
const sizeOf = (found: ElementFinder): number => {
  const value = found.end > found.start ? digitsAt(found.bytes, found.start, found.end - found.start) : 0
  return Number.isNaN(value) ? Number(found.text()) : value
}

const isAt = (bytes: Buffer, at: number, char: string) => bytes[at] === char.charCodeAt(0)

/**
 * S3's timestamp, `2026-11-01T10:00:00.000Z` (or without the fraction), from its digits; any other form as
 * `Date` parses it. Only plain values take the short way (months 1–12, days 1–31, hours 0–23); `Date` rolls
 * a day past the month's end over the same way `Date.UTC` does.
 */
const timeOf = (found: ElementFinder): Date => {
  const { bytes, end, start } = found
  const length = end - start
  const shaped = (length === 24 && isAt(bytes, start + 19, ".")) || length === 20
  if (
    shaped && isAt(bytes, start + 4, "-") && isAt(bytes, start + 7, "-") && isAt(bytes, start + 10, "T") &&
    isAt(bytes, start + 13, ":") && isAt(bytes, start + 16, ":") && isAt(bytes, end - 1, "Z")
  ) {
    const year = digitsAt(bytes, start, 4)
    const month = digitsAt(bytes, start + 5, 2)
    const day = digitsAt(bytes, start + 8, 2)
    const hour = digitsAt(bytes, start + 11, 2)
    const minute = digitsAt(bytes, start + 14, 2)
    const second = digitsAt(bytes, start + 17, 2)
    const millis = length === 24 ? digitsAt(bytes, start + 20, 3) : 0
    if (
      year >= 1000 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 &&
      second <= 59 && millis >= 0
    ) return new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis))
  }
  return new Date(found.text())
}

/**
 * One page of a ListObjectsV2 answer. Keys are decoded when the answer says they were URL-encoded
 * (`<EncodingType>url</EncodingType>`); a server that ignores `encoding-type` sends them as they are.
 */
export const parseListObjectsV2 = (xml: Uint8Array | string): ListPage => {
  const bytes = typeof xml === "string" ? Buffer.from(xml) : Buffer.from(xml.buffer, xml.byteOffset, xml.byteLength)
  const found = new ElementFinder(bytes)
  const all = bytes.length
  // Text never holds a literal "<" (XML escapes it), so a key cannot be mistaken for these elements.
  const urlEncoded = found.find(ENCODING_TYPE, 0, all) && found.text() === "url"
  const keyOf = (text: string) => (urlEncoded ? decodeUrlEncodedKey(text) : text)
  const objects: Array<ListedObject> = []
  for (let at = 0; found.find(CONTENTS, at, all);) {
    const { end, start } = found
    at = end
    const key = found.find(KEY, start, end) ? keyOf(found.text()) : undefined
    if (key === undefined) continue
    objects.push({
      key,
      size: found.find(SIZE, start, end) ? sizeOf(found) : 0,
      lastModified: found.find(LAST_MODIFIED, start, end) ? timeOf(found) : new Date(0),
      etag: found.find(ETAG, start, end) ? found.text() : undefined
    })
  }
  const commonPrefixes: Array<string> = []
  for (let at = 0; found.find(COMMON_PREFIXES, at, all);) {
    const { end, start } = found
    at = end
    const prefix = found.find(PREFIX, start, end) ? keyOf(found.text()) : undefined
    if (prefix !== undefined) commonPrefixes.push(prefix)
  }
  const truncated = found.find(IS_TRUNCATED, 0, all) && found.text() === "true"
  return {
    objects,
    nextContinuationToken: truncated && found.find(NEXT_TOKEN, 0, all) ? found.text() : undefined,
    commonPrefixes
  }
}
