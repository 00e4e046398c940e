/**
 * What `immich-storage check-s3` concludes from what it saw a server do: pure rules, no I/O (the probes
 * are in `runS3Check`). Each probe yields a fact or the error it met; each fact becomes one finding, and
 * the findings one verdict.
 */

/** A probe's outcome: what it saw, or the message of the error that stopped it. */
export type Probed<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: string }

export interface S3Facts {
  /** A small object written and read back by the engine: the same bytes? which check did the read make? */
  readonly roundTrip: Probed<{ readonly same: boolean; readonly readCheck: "CRC32" | "MD5" | undefined }>
  /** A PUT carrying a CRC32: refused, or accepted and then (not) returned by a HEAD asking for it. */
  readonly crc32: Probed<"stored" | "not stored" | "wrong" | { readonly refused: string }>
  /** The ETag of a single-part object: its MD5, not one (KMS, or another scheme), or no MD5 expected (SSE-KMS on). */
  readonly etag: Probed<"md5" | "looks like an MD5 but is not" | "not an MD5" | "SSE-KMS">
  /** `Range: bytes=-N` past the start: the server's own answer (status, whole object?) and the engine's. */
  readonly suffixRange: Probed<{ readonly status: number; readonly whole: boolean; readonly engineWhole: boolean }>
  /** A range past the end: the server's status, whether it said the size, and the size the engine reported. */
  readonly unsatisfiable: Probed<{ readonly status: number; readonly sizeSent: boolean; readonly engineSizeRight: boolean }>
  /** A listing with `encoding-type=url` honoured? and the engine's listing of an awkward key exact? */
  readonly listing: Probed<{ readonly encodingTypeUrl: boolean; readonly exact: boolean }>
  /** A two-part upload read back: the same bytes? */
  readonly multipart: Probed<boolean>
  /** A server-side copy read back: the same bytes? */
  readonly copy: Probed<boolean>
  /** A presigned URL fetched without credentials: the same bytes? */
  readonly presign: Probed<boolean>
  /** Deleted objects gone? */
  readonly delete: Probed<boolean>
  /** Median milliseconds of a few HEAD requests. */
  readonly latencyMs: Probed<number>
}

export type Level = "ok" | "caveat" | "fail" | "info"

export interface Finding {
  readonly name: string
  readonly level: Level
  readonly text: string
}

export type Verdict = "ok" | "ok with caveats" | "not usable"

const found = (name: string, level: Level, text: string): Finding => ({ name, level, text })

/** A probe that could not run makes its feature unusable (`essential`) or a caveat. */
const broken = (name: string, error: string, essential: boolean): Finding =>
  found(name, essential ? "fail" : "caveat", `failed: ${error}`)

const check = <A>(name: string, probed: Probed<A>, essential: boolean, judge: (value: A) => Finding): Finding =>
  probed.ok ? judge(probed.value) : broken(name, probed.error, essential)

export const findingsOf = (facts: S3Facts): ReadonlyArray<Finding> => {
  const integrity = integrityFinding(facts)
  return [...featureFindings(facts), ...(integrity === undefined ? [] : [integrity])]
}

const featureFindings = (facts: S3Facts): ReadonlyArray<Finding> => [
  check("write and read", facts.roundTrip, true, ({ readCheck, same }) =>
    !same
      ? found("write and read", "fail", "the bytes read back differ from the bytes written")
      : found("write and read", "ok", `bytes read back intact${readCheck === undefined ? " (unchecked)" : `, checked by ${readCheck}`}`)),
  check("stored checksums", facts.crc32, false, (crc32) =>
    crc32 === "stored"
      ? found("stored checksums", "ok", "CRC32 stored and returned when sent (S3_REQUEST_CHECKSUMS=when_supported)")
      : crc32 === "wrong"
      ? found("stored checksums", "fail", "returns a CRC32 that does not match the bytes: every checked read would fail")
      : crc32 === "not stored"
      ? found("stored checksums", "caveat", "none stored (accepted and dropped, as Ceph RGW does): multipart objects are read unchecked")
      : found("stored checksums", "caveat", `refuses CRC32 request checksums (${crc32.refused}): keep S3_REQUEST_CHECKSUMS=when_required`)),
  check("ETag", facts.etag, false, (etag) =>
    etag === "md5"
      ? found("ETag", "ok", "the body's MD5 for single-part objects (reads and --checksum use it)")
      : etag === "SSE-KMS"
      ? found("ETag", "info", "not an MD5 with SSE-KMS: not used as one")
      : etag === "not an MD5"
      ? found("ETag", "info", "not an MD5: not used as one")
      : found("ETag", "fail", "has the shape of an MD5 but is not the body's: every whole-object read would fail its check")),
  check("suffix ranges", facts.suffixRange, true, ({ engineWhole, status, whole }) =>
    !engineWhole
      ? found("suffix ranges", "fail", "a suffix longer than the object did not give the whole object")
      : status === 206 && whole
      ? found("suffix ranges", "ok", "a suffix longer than the object gives the whole object (206), as HTTP says")
      : found("suffix ranges", "info", `a suffix longer than the object is answered ${status}, against HTTP: the engine asks again`)),
  check("416 answers", facts.unsatisfiable, true, ({ engineSizeRight, sizeSent, status }) =>
    status !== 416 || !engineSizeRight
      ? found("416 answers", "fail", `a range past the end is answered ${status}, not 416 with the object's size`)
      : sizeSent
      ? found("416 answers", "ok", "416 with Content-Range: bytes */<size>")
      : found("416 answers", "info", "416 without the object's size: the engine asks a HEAD for it")),
  check("listing", facts.listing, true, ({ encodingTypeUrl, exact }) =>
    !exact
      ? found("listing", "fail", "a key with spaces, unicode, + and & is listed wrongly")
      : found("listing", "ok", `keys listed exactly; encoding-type=url ${encodingTypeUrl ? "honoured" : "ignored (not needed by immich-storage)"}`)),
  check("multipart upload", facts.multipart, true, (same) =>
    found("multipart upload", same ? "ok" : "fail", same ? "a two-part upload reads back intact" : "a two-part upload reads back different")),
  check("copy", facts.copy, true, (same) =>
    found("copy", same ? "ok" : "fail", same ? "server-side copy reads back intact" : "a server-side copy reads back different")),
  check("presigned URLs", facts.presign, false, (same) =>
    same
      ? found("presigned URLs", "ok", "a presigned GET works without credentials")
      : found("presigned URLs", "caveat", "a presigned GET gives other bytes: leave presigned downloads off")),
  check("delete", facts.delete, true, (gone) =>
    found("delete", gone ? "ok" : "fail", gone ? "deleted objects are gone" : "deleted objects are still there")),
  check("latency", facts.latencyMs, false, (ms) => found("latency", "info", `${ms.toFixed(1)} ms per request (median of HEADs)`))
]

/**
 * Not usable on any failure; with caveats when something works only in part or needs a setting. A quirk
 * the engine makes up for (an extra request) is information, not a caveat.
 */
export const verdictOf = (findings: ReadonlyArray<Finding>): Verdict =>
  findings.some((f) => f.level === "fail") ? "not usable" : findings.some((f) => f.level === "caveat") ? "ok with caveats" : "ok"

/** Reads are checked against CRC32 or MD5 only when the server offers one of them; otherwise that is a caveat too. */
const integrityFinding = (facts: S3Facts): Finding | undefined => {
  const crc = facts.crc32.ok && facts.crc32.value === "stored"
  const md5 = facts.etag.ok && facts.etag.value === "md5"
  return crc || md5 ? undefined : found("read integrity", "caveat", "no stored CRC32 and no MD5 ETag: reads cannot be checked")
}

/** The middle value (the mean of the two middle ones for an even count). */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** The process exit code for a verdict: 0 ok, 2 ok with caveats, 1 not usable. */
export const exitCodeOf = (verdict: Verdict): number => (verdict === "ok" ? 0 : verdict === "ok with caveats" ? 2 : 1)
