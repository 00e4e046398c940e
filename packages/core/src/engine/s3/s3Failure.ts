import * as http from "node:http"
import { parseErrorXml } from "./s3Xml.ts"

/**
 * One failed S3 request, whichever way it went: an error answer to a lean request, an error the AWS SDK
 * threw, or the socket under either. `s3Errors.ts` maps it to a storage error, which keeps it as its cause.
 */
export class S3Failure extends Error {
  readonly _tag = "S3Failure"
  /** S3's error code (`NoSuchKey`, `SlowDown`), the status text for answers without a body, or a socket code. */
  readonly code: string
  /** The HTTP status; undefined when no answer came (a socket error, a timeout). */
  readonly status: number | undefined
  /** `x-amz-request-id`, what AWS support asks for. */
  readonly requestId: string | undefined
  /** A 416's `Content-Range` (`bytes *\/<size>`): the object's size, when the server says it. */
  readonly contentRange: string | undefined

  constructor(fields: {
    readonly code: string
    readonly status: number | undefined
    readonly requestId: string | undefined
    readonly message: string
    readonly contentRange?: string | undefined
    readonly cause?: unknown
  }) {
    super(fields.message, fields.cause === undefined ? undefined : { cause: fields.cause })
    this.name = "S3Failure"
    this.code = fields.code
    this.status = fields.status
    this.requestId = fields.requestId
    this.contentRange = fields.contentRange
  }
}

const headerText = (value: string | ReadonlyArray<string> | undefined): string | undefined =>
  value === undefined || typeof value === "string" ? value : value.join(", ")

/** The failure an error answer to a lean request stands for. */
export const failureOfResponse = (
  status: number,
  headers: http.IncomingHttpHeaders,
  body: Buffer
): S3Failure => {
  const { code, message } = body.length === 0
    ? { code: undefined, message: undefined }
    : parseErrorXml(body.toString("utf8"))
  return new S3Failure({
    // HEAD answers have no body: the status text stands in for the code ("NotFound", "Forbidden").
    code: code ?? (http.STATUS_CODES[status]?.replace(/\W/g, "") || "UnknownError"),
    status,
    requestId: headerText(headers["x-amz-request-id"]),
    message: message ?? http.STATUS_CODES[status] ?? "Unknown error",
    contentRange: headerText(headers["content-range"])
  })
}

/** What the AWS SDK's errors and Node's socket errors carry. */
interface ThrownLike {
  readonly name?: string
  readonly code?: string
  readonly message?: string
  readonly $metadata?: { readonly httpStatusCode?: number; readonly requestId?: string }
  readonly $response?: { readonly headers?: Readonly<Record<string, string | undefined>> }
}

/** Anything a request threw, as one S3Failure (the thrown error kept as its cause). */
export const s3FailureOf = (thrown: unknown): S3Failure => {
  if (thrown instanceof S3Failure) return thrown
  const error = (thrown ?? {}) as ThrownLike
  return new S3Failure({
    code: error.code ?? error.name ?? "Unknown",
    status: error.$metadata?.httpStatusCode,
    requestId: error.$metadata?.requestId,
    message: error.message ?? String(thrown),
    contentRange: error.$response?.headers?.["content-range"],
    cause: thrown
  })
}

/** Codes of servers that do not implement a request at all (some cannot list multipart uploads). */
const UNSUPPORTED_CODES = new Set(["NotImplemented", "MethodNotAllowed"])

/** Whether the server does not implement the request (501, 405, or their codes). */
export const isUnsupported = (failure: S3Failure): boolean =>
  UNSUPPORTED_CODES.has(failure.code) || failure.status === 501 || failure.status === 405
