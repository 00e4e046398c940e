/**
 * The few S3 XML documents the lean request path reads, parsed without a general XML parser: S3's
 * responses are flat, attribute-free elements, and the AWS SDK's generic parser was the largest
 * client cost of listing a big bucket.
 */

/** The entities XML names, by name (between "&" and ";"). */
const XML_ENTITIES: ReadonlyMap<string, string> = new Map(
  Object.entries({ amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'" })
)

/** The character an entity's name (between "&" and ";") stands for; undefined for none XML knows. */
export const entityChar = (name: string): string | undefined => {
  const named = XML_ENTITIES.get(name)
  if (named !== undefined) return named
  const code = /^#x[0-9a-fA-F]+$/.test(name)
    ? Number.parseInt(name.slice(2), 16)
    : /^#\d+$/.test(name)
    ? Number.parseInt(name.slice(1), 10)
    : undefined
  // Past the last code point: left as text, where `fromCodePoint` would throw on a server's bad answer.
  return code === undefined || code > 0x10ffff ? undefined : String.fromCodePoint(code)
}

/**
 * Text content as XML escapes it: the five named entities and numeric character references; anything else
 * after "&" is left as it is. A loop rather than a replace with a callback: every listed ETag is escaped
 * (`&quot;…&quot;`), and the replace was the largest allocation of a large listing.
 */
export const decodeXmlText = (text: string): string => {
  let amp = text.indexOf("&")
  if (amp === -1) return text
  let decoded = ""
  let at = 0
  while (amp !== -1) {
    const semicolon = text.indexOf(";", amp)
    const char = semicolon === -1 ? undefined : entityChar(text.slice(amp + 1, semicolon))
    if (char === undefined) {
      decoded += text.slice(at, amp + 1)
      at = amp + 1
    } else {
      decoded += text.slice(at, amp) + char
      at = semicolon + 1
    }
    amp = text.indexOf("&", at)
  }
  return decoded + text.slice(at)
}

/** The text of the first `<name>` element in `xml`, decoded; undefined when absent. */
export const elementText = (xml: string, name: string): string | undefined => {
  const open = xml.indexOf(`<${name}>`)
  if (open === -1) return undefined
  const start = open + name.length + 2
  const end = xml.indexOf(`</${name}>`, start)
  return end === -1 ? undefined : decodeXmlText(xml.slice(start, end))
}

/** The `<Code>` and `<Message>` of an S3 error document (absent for HEAD requests, which have no body). */
export const parseErrorXml = (
  xml: string
): { readonly code: string | undefined; readonly message: string | undefined } => ({
  code: elementText(xml, "Code"),
  message: elementText(xml, "Message")
})
