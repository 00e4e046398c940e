import * as http from "node:http"
import * as https from "node:https"
import type { AddressInfo } from "node:net"
import { kmsHeaders, kmsListing } from "./kmsQuirk.ts"
import { afterLatency, makeLink, throughLink } from "./networkShape.ts"
import type { Link, NetworkShape } from "./networkShape.ts"
import { sigV4Problem } from "./sigv4.ts"

export interface RecordedRequest {
  readonly method: string
  readonly url: string
  readonly headers: http.IncomingHttpHeaders
  status?: number
  /** With `verifySignatures`: undefined when the SigV4 signature and payload hash were right. */
  signatureProblem?: string | undefined
}

export interface S3ProxyOptions extends NetworkShape {
  /** Check every request's SigV4 signature against this secret; a bad one is answered 403 SignatureDoesNotMatch. */
  readonly verifySignatures?: { readonly secretAccessKey: string }
  /** Answer as another S3 server does where the test server cannot be made to. */
  readonly quirks?: ServerQuirks
}

/** Ways other S3 servers answer that the test server does not, reproduced on the answers passed back. */
export interface ServerQuirks {
  /** Drop every `x-amz-checksum-*` header: the server keeps no checksums, whatever the client sent. */
  readonly storesNoChecksums?: boolean
  /** Drop `Content-Range` from 416 answers: the client learns no size from them. */
  readonly rangeErrorsWithoutSize?: boolean
  /** The bucket encrypts with SSE-KMS by default: ETags look like MD5s and are not (see `kmsQuirk.ts`). */
  readonly kmsByBucketDefault?: boolean
}

/**
 * Ceph RGW 16.2 (Debian's `radosgw`): it accepts checksums and stores none, and its 416 carries no size.
 * (A real RGW needs a mon/mgr/osd cluster, which the test machines cannot run.)
 */
export const RGW_QUIRKS: ServerQuirks = { storesNoChecksums: true, rangeErrorsWithoutSize: true }

/** The headers of an upstream answer as a server with `quirks` would have sent them. */
const withQuirks = (
  status: number,
  headers: http.IncomingHttpHeaders,
  quirks: ServerQuirks
): http.IncomingHttpHeaders =>
  Object.fromEntries(
    Object.entries(quirks.kmsByBucketDefault === true ? kmsHeaders(headers) : headers).filter(([name]) =>
      !(quirks.storesNoChecksums === true && name.startsWith("x-amz-checksum-")) &&
      !(quirks.rangeErrorsWithoutSize === true && status === 416 && name === "content-range")
    )
  )

/** Whether an answer's body is a listing whose ETags `quirks` rewrite. */
const rewritesListing = (record: RecordedRequest, quirks: ServerQuirks) =>
  quirks.kmsByBucketDefault === true && record.method === "GET" && record.url.includes("list-type=2")

/**
 * A fault the proxy answers with instead of forwarding: an S3 error response, a dropped connection, or
 * (`"corrupt"`) the real answer with its first body byte flipped, as a bad link or disk would, or (`"stall"`) no
 * answer at all until the client gives up.
 */
export type Fault = { readonly status: number; readonly code: string } | "reset" | "corrupt" | "stall"

export interface S3Proxy {
  readonly endpoint: string
  readonly requests: Array<RecordedRequest>
  /** The next requests (matching `when`, or any) get these faults, one each, before forwarding resumes. */
  readonly injectFaults: (faults: ReadonlyArray<Fault>, when?: (request: RecordedRequest) => boolean) => void
  /** Most requests open at once (arrived, not yet answered) since the proxy started or `resetPeak`. */
  readonly peakInFlight: () => number
  readonly resetPeak: () => void
  readonly stop: () => Promise<void>
}

const errorXml = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`

interface Exchange {
  readonly req: http.IncomingMessage
  readonly res: http.ServerResponse
  readonly record: RecordedRequest
}

/** Answers with an injected error, once the request body has been read (as a server would). */
const answerWithError = ({ record, req, res }: Exchange, fault: { readonly status: number; readonly code: string }) => {
  record.status = fault.status
  req.resume()
  req.on("end", () => {
    res.writeHead(fault.status, { "content-type": "application/xml" })
    res.end(errorXml(fault.code, "injected by the test proxy"))
  })
}

interface Upstream {
  readonly url: URL
  readonly agent: http.Agent
  readonly quirks: ServerQuirks
  /** With a bandwidth cap: the link each way. */
  readonly links: { readonly up: Link; readonly down: Link } | undefined
}

/** Where a body goes on its way to `to`: through the link when there is one. */
const via = (link: Link | undefined, to: NodeJS.WritableStream): NodeJS.WritableStream => {
  if (link === undefined) return to
  const paced = throughLink(link)
  paced.pipe(to)
  return paced
}

/** Passes the request on; `body` when it was read already (to check its signature). */
const forward = ({ record, req, res }: Exchange, upstream: Upstream, corrupt: boolean, body: Buffer | undefined) => {
  const request = (upstream.url.protocol === "https:" ? https : http).request({
    host: upstream.url.hostname,
    port: upstream.url.port,
    method: req.method,
    path: req.url,
    headers: req.headers,
    agent: upstream.agent
  }, (response) => {
    record.status = response.statusCode ?? 0
    const status = response.statusCode ?? 502
    res.writeHead(status, withQuirks(status, response.headers, upstream.quirks))
    const sink = via(upstream.links?.down, res)
    if (rewritesListing(record, upstream.quirks)) {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      return void response.on("end", () => sink.end(kmsListing(Buffer.concat(chunks).toString("utf8"))))
    }
    if (!corrupt) return void response.pipe(sink)
    let flipped = false
    response.on("data", (chunk: Buffer) => {
      if (!flipped && chunk.length > 0) {
        chunk[0] = chunk[0]! ^ 0xff
        flipped = true
      }
      sink.write(chunk)
    })
    response.on("end", () => sink.end())
  })
  request.on("error", () => res.destroy())
  res.on("close", () => request.destroy())
  const outgoing = via(upstream.links?.up, request)
  if (body === undefined) req.pipe(outgoing)
  else outgoing.end(body)
}

/** Reads the whole body, refuses a bad signature with S3's 403, and forwards a good one. */
const forwardSigned = (exchange: Exchange, upstream: Upstream, corrupt: boolean, secretAccessKey: string) => {
  const { record, req, res } = exchange
  const chunks: Array<Buffer> = []
  req.on("data", (chunk: Buffer) => chunks.push(chunk))
  req.on("end", () => {
    const body = Buffer.concat(chunks)
    record.signatureProblem = sigV4Problem(
      { method: record.method, url: record.url, headers: req.headers, body },
      secretAccessKey
    )
    if (record.signatureProblem === undefined) return forward(exchange, upstream, corrupt, body)
    record.status = 403
    res.writeHead(403, { "content-type": "application/xml" })
    res.end(errorXml("SignatureDoesNotMatch", record.signatureProblem.replace(/[<&]/g, "")))
  })
}

/**
 * A pass-through HTTP proxy on 127.0.0.1 in front of the test S3 server. It records every request
 * (to check what reached the server: SSE headers, aborts) and injects faults that a healthy server
 * cannot be made to produce on demand (503 SlowDown, 500, connection resets, 403). With `latencyMs` and
 * `bytesPerSecond` it shapes loopback like a distant server behind a slower link.
 */
export const startS3Proxy = async (target: string, options: S3ProxyOptions = {}): Promise<S3Proxy> => {
  const url = new URL(target)
  const requests: Array<RecordedRequest> = []
  let pending: Array<Fault> = []
  let matches: (request: RecordedRequest) => boolean = () => true
  // An external server (TEST_S3_ENDPOINT) may be https; the proxy itself always listens on plain http.
  const agent = url.protocol === "https:" ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true })
  const cap = options.bytesPerSecond
  const links = cap === undefined ? undefined : { up: makeLink(cap), down: makeLink(cap) }
  const upstream: Upstream = { url, agent, quirks: options.quirks ?? {}, links }

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const record: RecordedRequest = { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers }
    requests.push(record)
    const exchange: Exchange = { req, res, record }
    const fault = pending.length > 0 && matches(record) ? pending.shift()! : undefined
    if (fault === "stall") return void req.resume()
    if (fault === "reset") return void req.socket.destroy()
    if (typeof fault === "object") return answerWithError(exchange, fault)
    const corrupt = fault === "corrupt"
    if (options.verifySignatures !== undefined)
      return forwardSigned(exchange, upstream, corrupt, options.verifySignatures.secretAccessKey)
    forward(exchange, upstream, corrupt, undefined)
  }
  let inFlight = 0
  let peak = 0
  const server = http.createServer((req, res) => {
    inFlight++
    peak = Math.max(peak, inFlight)
    res.once("close", () => void inFlight--)
    afterLatency(options, () => handle(req, res))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    peakInFlight: () => peak,
    resetPeak: () => void (peak = inFlight),
    injectFaults: (faults, when) => {
      pending = [...faults]
      matches = when ?? (() => true)
    },
    stop: () =>
      new Promise<void>((resolve) => {
        agent.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
