import { SignatureV4 } from "@smithy/signature-v4"
import * as http from "node:http"
import * as https from "node:https"
import { NodeSha256 } from "./nodeSha256.ts"
import type { BucketUrl } from "./s3Endpoint.ts"
import { queryString } from "./s3Endpoint.ts"
import { failureOfResponse } from "./s3Failure.ts"
import { SOCKETS } from "./s3RequestSettings.ts"

/**
 * Signed S3 requests without the AWS SDK's middleware stack: one SigV4 signature (the SDK's own signer,
 * with the payload's SHA-256, which S3 checks against the body) and one request on a kept-alive socket.
 * The SDK's per-request CPU cost before a byte is sent was, for thousands of small files, the cost of a
 * sync, not the network.
 */

export interface Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}
export type CredentialsProvider = () => Promise<Credentials>

export interface WireRequest {
  readonly method: "GET" | "HEAD" | "PUT"
  /** Already escaped (see `objectPath`). */
  readonly path: string
  readonly query?: Readonly<Record<string, string>>
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: Uint8Array
}

export interface WireResponse {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: Buffer
}

export interface S3Wire {
  /**
   * Sends a request and resolves as soon as a 2xx head arrives, with the body left to read; any other
   * answer rejects with an `S3Failure`.
   */
  readonly open: (request: WireRequest, signal?: AbortSignal) => Promise<http.IncomingMessage>
  /** `open`, then the whole body read. */
  readonly expectOk: (request: WireRequest, signal?: AbortSignal) => Promise<WireResponse>
  /** One request and its whole answer, whatever its status (for `check-s3`, which looks at the answers). */
  readonly exchange: (request: WireRequest, signal?: AbortSignal) => Promise<WireResponse>
  readonly close: () => void
}

export interface S3WireOptions {
  readonly bucket: BucketUrl
  /** The region requests are signed for. */
  readonly region: string
  readonly credentials: CredentialsProvider
}

/** Error codes that mean "your clock is off": the request is signed again with the server's time. */
const CLOCK_SKEW_CODES = new Set([
  "RequestTimeTooSkewed",
  "RequestExpired",
  "RequestInTheFuture",
  "InvalidSignatureException",
  "SignatureDoesNotMatch"
])
const FIVE_MINUTES = 5 * 60 * 1000

const TIMED_OUT = () =>
  Object.assign(new Error(`no answer within ${SOCKETS.requestTimeoutMs / 1000} s`), { code: "ETIMEDOUT" })

/** Reads a response to its end. */
export const readBody = (res: http.IncomingMessage): Promise<WireResponse> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    res.on("data", (chunk: Buffer) => chunks.push(chunk))
    res.on("error", reject)
    res.on(
      "aborted",
      () => reject(Object.assign(new Error("the connection closed mid-answer"), { code: "ECONNRESET" }))
    )
    res.on("end", () =>
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
      }))
  })

/** After a 403 that says our clock is off by more than five minutes: the server's time, else undefined. */
const serverTimeIfSkewed = (response: WireResponse, code: string, clockOffset: number): number | undefined => {
  if (response.status !== 403 || response.headers.date === undefined) return undefined
  const serverTime = Date.parse(response.headers.date)
  const skew = serverTime - (Date.now() + clockOffset)
  const skewCode = CLOCK_SKEW_CODES.has(code) || code === "Forbidden"
  return Number.isFinite(skew) && Math.abs(skew) >= FIVE_MINUTES && skewCode ? serverTime : undefined
}

export const makeS3Wire = (options: S3WireOptions): S3Wire => {
  const origin = new URL(options.bucket.origin)
  const secure = origin.protocol === "https:"
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: SOCKETS.maxSockets })
    : new http.Agent({ keepAlive: true, maxSockets: SOCKETS.maxSockets })
  const transport = secure ? https : http
  const port = origin.port === "" ? undefined : Number(origin.port)
  const signer = new SignatureV4({
    service: "s3",
    region: options.region,
    credentials: options.credentials,
    sha256: NodeSha256,
    // S3 signs the path as sent: it is escaped once, not twice.
    uriEscapePath: false,
    applyChecksum: true
  })
  let clockOffset = 0

  /** Signs and sends a request; resolves with the response head, its body still to be read. */
  const openOnce = async (request: WireRequest, signal: AbortSignal | undefined): Promise<http.IncomingMessage> => {
    const query = request.query ?? {}
    const signed = await signer.sign({
      method: request.method,
      protocol: origin.protocol,
      hostname: origin.hostname,
      ...(port === undefined ? {} : { port }),
      path: request.path,
      query: { ...query },
      headers: {
        host: origin.host,
        ...request.headers,
        ...(request.body === undefined ? {} : { "content-length": String(request.body.length) })
      },
      ...(request.body === undefined ? {} : { body: request.body })
    }, { signingDate: new Date(Date.now() + clockOffset) })
    const search = queryString(query)
    return new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = transport.request({
        agent,
        method: request.method,
        hostname: origin.hostname,
        ...(port === undefined ? {} : { port }),
        path: search === "" ? request.path : `${request.path}?${search}`,
        headers: signed.headers,
        ...(signal === undefined ? {} : { signal }),
        timeout: SOCKETS.requestTimeoutMs
      })
      req.on("timeout", () => req.destroy(TIMED_OUT()))
      req.on("error", reject)
      req.on("response", resolve)
      req.end(request.body)
    })
  }

  const open = async (request: WireRequest, signal?: AbortSignal): Promise<http.IncomingMessage> => {
    for (let attempt = 0;; attempt++) {
      const res = await openOnce(request, signal)
      const status = res.statusCode ?? 0
      if (status >= 200 && status < 300) return res
      const response = await readBody(res)
      const failure = failureOfResponse(response.status, response.headers, response.body)
      const serverTime = serverTimeIfSkewed(response, failure.code, clockOffset)
      if (serverTime === undefined || attempt > 0) throw failure
      // As the SDK does: sign with the server's clock from now on, and try once more.
      clockOffset = serverTime - Date.now()
    }
  }

  const expectOk = async (request: WireRequest, signal?: AbortSignal): Promise<WireResponse> =>
    readBody(await open(request, signal))

  const exchange = async (request: WireRequest, signal?: AbortSignal): Promise<WireResponse> =>
    readBody(await openOnce(request, signal))

  return { exchange, expectOk, open, close: () => agent.destroy() }
}
