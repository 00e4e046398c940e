import { buildApp } from "fauxqs"
import { listInUtf8Order } from "./byteOrderListing.ts"
import { answerListUploads, loadFauxqsS3Store } from "./listMultipartUploads.ts"

/** A character as one of XML's five named entities where it needs one, so fauxqs's own decoding finishes the job. */
const escapeXmlChar = (c: string) =>
  ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&apos;" } as Record<string, string>)[c] ?? c

export interface RunningS3Server {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string
  readonly stop: () => Promise<void>
}

/**
 * Starts a real S3-compatible HTTP server (fauxqs, objects in memory) on 127.0.0.1 with an ephemeral
 * port. Its own `startFauxqs` binds 0.0.0.0, so the app is built and bound here instead.
 */
export const startS3Server = async (): Promise<RunningS3Server> => {
  // Its S3 store is made here so that ListMultipartUploads can be answered from it (the other stores default).
  const s3Store = new (await loadFauxqsS3Store())()
  listInUtf8Order(s3Store)
  const stores = { s3Store } as unknown as NonNullable<NonNullable<Parameters<typeof buildApp>[0]>["stores"]>
  const app = buildApp({ logger: false, relaxedRules: { disableMinCopySourceSize: true }, stores })
  // fauxqs 2.4.1 answers `GET /<bucket>?uploads` with an object listing; answer ListMultipartUploads instead.
  app.addHook("preHandler", async (request, reply) => {
    const query = (request.query ?? {}) as Record<string, string | undefined>
    const params = (request.params ?? {}) as Record<string, string | undefined>
    const bucket = params["bucket"]
    if (request.method !== "GET" || !("uploads" in query) || bucket === undefined || (params["*"] ?? "") !== "") return
    const { body, status } = answerListUploads(s3Store, bucket, query)
    return reply.status(status).header("content-type", "application/xml").send(body)
  })
  // fauxqs 2.4.1 reads CompleteMultipartUpload bodies without decoding numeric character references, so
  // rclone's `<ETag>&#34;…&#34;</ETag>` never matches a part and its multipart uploads fail (InvalidPart).
  // Decoding them here makes the server read XML as XML; every client's request is treated the same.
  app.addHook("preHandler", async (request) => {
    if (request.method !== "POST") return
    const body = request.body
    const text = Buffer.isBuffer(body) ? body.toString("utf8") : typeof body === "string" ? body : undefined
    if (text === undefined || !text.includes("<CompleteMultipartUpload") || !text.includes("&#")) return
    const decoded = text.replace(
      /&#(x[0-9a-fA-F]+|\d+);/g,
      (_, code: string) =>
        escapeXmlChar(String.fromCodePoint(code.startsWith("x") ? Number.parseInt(code.slice(1), 16) : Number(code)))
    )
    request.body = Buffer.isBuffer(body) ? Buffer.from(decoded) : decoded
  })
  const address = await app.listen({ port: 0, host: "127.0.0.1" })
  return { endpoint: address.replace("localhost", "127.0.0.1"), stop: () => app.close() }
}
