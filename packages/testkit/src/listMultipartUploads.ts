import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { pathToFileURL } from "node:url"

/**
 * ListMultipartUploads (`GET /<bucket>?uploads`) for the fauxqs test server, which answers that request
 * with an object listing. Uploads come from fauxqs's own store, so they are exactly the uploads it holds.
 * The answer follows the S3 API: uploads sorted by key (UTF-8 byte order), then by when they were started;
 * `prefix`, `delimiter` (CommonPrefixes), `key-marker` with `upload-id-marker`, `max-uploads` (at most
 * 1000), `encoding-type=url`, and the Next markers while truncated.
 */

/** The part of fauxqs 2.4's S3Store (not exported by the package) that holds multipart uploads. */
export interface FauxqsUploadStore {
  readonly buckets: ReadonlyMap<string, unknown>
  readonly multipartUploads: ReadonlyMap<string, {
    readonly uploadId: string
    readonly bucket: string
    readonly key: string
    readonly initiated: Date
    readonly checksumAlgorithm?: string
  }>
}

/** fauxqs's S3Store class, loaded from its file: the package exports only `buildApp`. */
export const loadFauxqsS3Store = async (): Promise<new() => FauxqsUploadStore> => {
  const require = createRequire(import.meta.url)
  const file = (require.resolve.paths("fauxqs") ?? [])
    .map((dir) => path.join(dir, "fauxqs", "dist", "s3", "s3Store.js"))
    .find((candidate) => fs.existsSync(candidate))
  type Module = { S3Store?: new() => FauxqsUploadStore }
  const module = file === undefined ? undefined : ((await import(pathToFileURL(file).href)) as Module)
  if (module?.S3Store === undefined) {
    throw new Error("fauxqs's S3Store was not found in fauxqs/dist/s3/s3Store.js: the fauxqs version changed")
  }
  return module.S3Store
}

export interface UploadEntry {
  readonly key: string
  readonly uploadId: string
  readonly initiated: Date
  readonly checksumAlgorithm?: string | undefined
}

export interface ListUploadsQuery {
  readonly prefix: string
  readonly delimiter: string | undefined
  readonly keyMarker: string | undefined
  readonly uploadIdMarker: string | undefined
  readonly maxUploads: number
}

export interface UploadsPage {
  readonly uploads: ReadonlyArray<UploadEntry>
  readonly commonPrefixes: ReadonlyArray<string>
  readonly isTruncated: boolean
  readonly nextKeyMarker: string | undefined
  readonly nextUploadIdMarker: string | undefined
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"))
const uploadOrder = (a: UploadEntry, b: UploadEntry) =>
  byteOrder(a.key, b.key) || a.initiated.getTime() - b.initiated.getTime() || byteOrder(a.uploadId, b.uploadId)

/** One page of the listing: the pure rule, apart from the HTTP and the XML. */
export const listUploadsPage = (all: ReadonlyArray<UploadEntry>, query: ListUploadsQuery): UploadsPage => {
  const sorted = all.filter((u) => u.key.startsWith(query.prefix)).sort(uploadOrder)
  const { keyMarker, uploadIdMarker } = query
  const marker = keyMarker === undefined || uploadIdMarker === undefined
    ? undefined
    : sorted.find((u) => u.key === keyMarker && u.uploadId === uploadIdMarker)
  const afterMarker = (u: UploadEntry) => {
    if (keyMarker === undefined) return true
    const order = byteOrder(u.key, keyMarker)
    if (order !== 0) return order > 0
    // Same key: only after the marker's upload, and only when an upload-id-marker was given.
    if (uploadIdMarker === undefined) return false
    return marker === undefined ? byteOrder(u.uploadId, uploadIdMarker) > 0 : uploadOrder(u, marker) > 0
  }
  const uploads: Array<UploadEntry> = []
  const commonPrefixes: Array<string> = []
  let last: { key: string; uploadId: string | undefined } | undefined
  let isTruncated = false
  for (const upload of sorted) {
    if (!afterMarker(upload)) continue
    const rest = upload.key.slice(query.prefix.length)
    const cut = query.delimiter === undefined || query.delimiter === "" ? -1 : rest.indexOf(query.delimiter)
    const common = cut === -1 ? undefined : query.prefix + rest.slice(0, cut + query.delimiter!.length)
    // A prefix already listed (on this page, or given back as the key marker) is not listed again.
    if (common !== undefined && (common === last?.key || common === keyMarker)) continue
    if (uploads.length + commonPrefixes.length >= query.maxUploads) {
      isTruncated = true
      break
    }
    if (common !== undefined) {
      commonPrefixes.push(common)
      last = { key: common, uploadId: undefined }
    } else {
      uploads.push(upload)
      last = { key: upload.key, uploadId: upload.uploadId }
    }
  }
  return {
    uploads,
    commonPrefixes,
    isTruncated,
    nextKeyMarker: isTruncated ? last?.key : undefined,
    nextUploadIdMarker: isTruncated ? last?.uploadId : undefined
  }
}

const XML_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&apos;" }
const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!)

/** S3's `encoding-type=url`: every byte but the unreserved characters and `/` percent-encoded. */
const urlEncode = (text: string) =>
  encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, "/")

export interface ListUploadsRequest extends ListUploadsQuery {
  readonly bucket: string
  readonly encodingType: string | undefined
}

const optional = <A>(value: A | undefined, f: (value: A) => string) => (value === undefined ? undefined : f(value))

/** The ListMultipartUploadsResult document for one page. */
export const listUploadsXml = (request: ListUploadsRequest, page: UploadsPage): string => {
  const name = (text: string) => escapeXml(request.encodingType === "url" ? urlEncode(text) : text)
  const element = (tag: string, value: string | undefined) => value === undefined ? [] : [`  <${tag}>${value}</${tag}>`]
  const owner = "<ID>fauxqs</ID><DisplayName>fauxqs</DisplayName>"
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`,
    ...element("Bucket", escapeXml(request.bucket)),
    ...element("KeyMarker", name(request.keyMarker ?? "")),
    ...element("UploadIdMarker", escapeXml(request.keyMarker === undefined ? "" : request.uploadIdMarker ?? "")),
    ...element("NextKeyMarker", optional(page.nextKeyMarker, name)),
    ...element("NextUploadIdMarker", optional(page.nextUploadIdMarker, escapeXml)),
    ...element("Delimiter", optional(request.delimiter, name)),
    ...element("Prefix", name(request.prefix)),
    ...element("MaxUploads", String(request.maxUploads)),
    ...element("IsTruncated", String(page.isTruncated)),
    ...page.uploads.map((u) =>
      `  <Upload><Key>${name(u.key)}</Key><UploadId>${escapeXml(u.uploadId)}</UploadId>` +
      `<Initiator>${owner}</Initiator><Owner>${owner}</Owner><StorageClass>STANDARD</StorageClass>` +
      `<Initiated>${u.initiated.toISOString()}</Initiated>` +
      `${optional(u.checksumAlgorithm, (a) => `<ChecksumAlgorithm>${a}</ChecksumAlgorithm>`) ?? ""}</Upload>`
    ),
    ...page.commonPrefixes.map((p) => `  <CommonPrefixes><Prefix>${name(p)}</Prefix></CommonPrefixes>`),
    ...element("EncodingType", request.encodingType === "url" ? "url" : undefined),
    `</ListMultipartUploadsResult>`
  ].join("\n")
}

const S3_ERROR = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`

/** The whole answer to `GET /<bucket>?uploads&…`: status and body. */
export const answerListUploads = (
  store: FauxqsUploadStore,
  bucket: string,
  query: Record<string, string | undefined>
) => {
  const refuse = (status: number, code: string, message: string) => ({ status, body: S3_ERROR(code, message) })
  if (!store.buckets.has(bucket)) return refuse(404, "NoSuchBucket", `The specified bucket does not exist: ${bucket}`)
  const rawMax = query["max-uploads"]
  const maxUploads = rawMax === undefined ? 1000 : /^\d+$/.test(rawMax) ? Math.min(Number(rawMax), 1000) : Number.NaN
  if (Number.isNaN(maxUploads)) return refuse(400, "InvalidArgument", `max-uploads is not a whole number: ${rawMax}`)
  const encodingType = query["encoding-type"]
  if (encodingType !== undefined && encodingType !== "url") {
    return refuse(400, "InvalidArgument", "Invalid Encoding Method specified in Request")
  }
  const request: ListUploadsRequest = {
    bucket,
    prefix: query["prefix"] ?? "",
    delimiter: query["delimiter"],
    keyMarker: query["key-marker"] === "" ? undefined : query["key-marker"],
    // Without a key marker S3 ignores the upload-id marker.
    uploadIdMarker: query["key-marker"] === undefined || query["upload-id-marker"] === ""
      ? undefined
      : query["upload-id-marker"],
    maxUploads,
    encodingType
  }
  const uploads = [...store.multipartUploads.values()].filter((u) => u.bucket === bucket)
  return { status: 200, body: listUploadsXml(request, listUploadsPage(uploads, request)) }
}
