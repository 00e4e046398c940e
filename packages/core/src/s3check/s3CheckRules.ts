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
  readonly etag: Probed<"md5" | "looks like an MD5 but is not" | "not an MD5" | "SSE-KMS" | "not taken for one">
  /** `Range: bytes=-N` past the start: the server's own answer (status, whole object?) and the engine's. */
  readonly suffixRange: Probed<{ readonly status: number; readonly whole: boolean; readonly engineWhole: boolean }>
  /** A range past the end: the server's status, whether it said the size, and the size the engine reported. */
  readonly unsatisfiable: Probed<{
    readonly status: number
    readonly sizeSent: boolean
    readonly engineSizeRight: boolean
  }>
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

/** A finding's level and text; the name is the probe's. */
type Judged = readonly [Level, string]

/** A probe that could not run makes its feature unusable (`essential`) or a caveat. */
const check = <A>(name: string, probed: Probed<A>, essential: boolean, judge: (value: A) => Judged): Finding =>
  probed.ok
    ? found(name, ...judge(probed.value))
    : found(name, essential ? "fail" : "caveat", `failed: ${probed.error}`)

export const findingsOf = (facts: S3Facts): ReadonlyArray<Finding> => {
  const integrity = integrityFinding(facts)
  return [...featureFindings(facts), ...(integrity === undefined ? [] : [integrity])]
}

const LONG_SUFFIX = "a suffix longer than the object"

const featureFindings = (facts: S3Facts): ReadonlyArray<Finding> => [
  check("write and read", facts.roundTrip, true, ({ readCheck, same }): Judged =>
    !same
      ? ["fail", "the bytes read back differ from the bytes written"]
      : ["ok", `bytes read back intact, ${readCheck === undefined ? "unchecked" : `checked by ${readCheck}`}`]),
  check("stored checksums", facts.crc32, false, (crc32): Judged =>
    crc32 === "stored"
      ? ["ok", "CRC32 stored and returned when sent (S3_REQUEST_CHECKSUMS=when_supported)"]
      : crc32 === "wrong"
      ? ["fail", "returns a CRC32 that does not match the bytes: checked reads would fail"]
      : crc32 === "not stored"
      ? ["caveat", "none stored (accepted and dropped, as Ceph RGW does): multipart objects go unchecked"]
      : ["caveat", `refuses CRC32 (${crc32.refused}): keep S3_REQUEST_CHECKSUMS=when_required`]),
  check("ETag", facts.etag, false, (etag): Judged =>
    etag === "md5"
      ? ["ok", "the body's MD5 for single-part objects (reads and --checksum use it)"]
      : etag === "SSE-KMS"
      ? ["info", "not an MD5 with SSE-KMS: not used as one"]
      : etag === "not an MD5"
      ? ["info", "not an MD5: not used as one"]
      : etag === "not taken for one"
      ? ["info", "not taken for an MD5 (S3_ETAG_IS_MD5=false)"]
      : ["fail", "has the shape of an MD5 but is not the body's MD5: reads would fail; set S3_ETAG_IS_MD5=false"]),
  check("suffix ranges", facts.suffixRange, true, ({ engineWhole, status, whole }): Judged =>
    !engineWhole
      ? ["fail", `${LONG_SUFFIX} did not give the whole object`]
      : status === 206 && whole
      ? ["ok", `${LONG_SUFFIX} gives the whole object (206), as HTTP says`]
      : ["info", `${LONG_SUFFIX} is answered ${status} (not HTTP's 206): the engine asks again`]),
  check(
    "416 answers",
    facts.unsatisfiable,
    true,
    ({ engineSizeRight, sizeSent, status }): Judged =>
      status !== 416 || !engineSizeRight
        ? ["fail", `a range past the end is answered ${status}, not 416 with the object's size`]
        : sizeSent
        ? ["ok", "416 with Content-Range: bytes */<size>"]
        : ["info", "416 without the object's size: the engine asks a HEAD for it"]
  ),
  check("listing", facts.listing, true, ({ encodingTypeUrl, exact }): Judged =>
    !exact
      ? ["fail", "a key with spaces, unicode, + and & is listed wrongly"]
      : ["ok", `keys listed exactly; encoding-type=url ${encodingTypeUrl ? "honoured" : "ignored (not needed here)"}`]),
  check(
    "multipart upload",
    facts.multipart,
    true,
    (same): Judged => [same ? "ok" : "fail", `a two-part upload reads back ${same ? "intact" : "different"}`]
  ),
  check(
    "copy",
    facts.copy,
    true,
    (same): Judged => [same ? "ok" : "fail", `a server-side copy reads back ${same ? "intact" : "different"}`]
  ),
  check("presigned URLs", facts.presign, false, (same): Judged =>
    same
      ? ["ok", "a presigned GET works without credentials"]
      : ["caveat", "a presigned GET gives other bytes: leave presigned downloads off"]),
  check(
    "delete",
    facts.delete,
    true,
    (gone): Judged => gone ? ["ok", "deleted objects are gone"] : ["fail", "deleted objects are still there"]
  ),
  check(
    "latency",
    facts.latencyMs,
    false,
    (ms): Judged => ["info", `${ms.toFixed(1)} ms per request (median of 5 HEADs)`]
  )
]

/**
 * Not usable on any failure; with caveats when something works only in part or needs a setting. A quirk
 * the engine makes up for (an extra request) is information, not a caveat.
 */
export const verdictOf = (findings: ReadonlyArray<Finding>): Verdict =>
  findings.some((f) => f.level === "fail")
    ? "not usable"
    : findings.some((f) => f.level === "caveat")
    ? "ok with caveats"
    : "ok"

/** Reads are checked against CRC32 or MD5 only when the server offers one of them; otherwise that is a caveat. */
const integrityFinding = (facts: S3Facts): Finding | undefined => {
  const crc = facts.crc32.ok && facts.crc32.value === "stored"
  const md5 = facts.etag.ok && facts.etag.value === "md5"
  return crc || md5 ? undefined : found("read integrity", "caveat", "no stored CRC32, no MD5 ETag: reads go unchecked")
}

/** The middle value (the mean of the two middle ones for an even count). */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** The process exit code for a verdict: 0 ok, 2 ok with caveats, 1 not usable. */
export const exitCodeOf = (verdict: Verdict): number => (verdict === "ok" ? 0 : verdict === "ok with caveats" ? 2 : 1)
