import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { createHash, randomBytes } from "node:crypto"
import type { S3Settings } from "../config/StorageSettings.ts"
import { DIGEST_NAMES, digestsOfBytes, readCheckOf } from "../engine/digests.ts"
import type { StorageError } from "../engine/errors.ts"
import { makeS3Engine } from "../engine/s3/S3Engine.ts"
import { elementText } from "../engine/s3/s3Xml.ts"
import type { StorageEngineShape } from "../engine/StorageEngine.ts"
import { s3Location } from "../location/MediaLocation.ts"
import type { S3Location } from "../location/MediaLocation.ts"
import { joinKey } from "../location/StorageKey.ts"
import { median } from "./s3CheckRules.ts"
import type { Probed, S3Facts } from "./s3CheckRules.ts"

const MiB = 1024 * 1024
/** S3's smallest part: a body one byte larger is a two-part upload. */
const MIN_PART = 5 * MiB
const OBJECT = "probe/object.bin"
const LATENCY_SAMPLES = 5

const probed = <A, R>(effect: Effect.Effect<A, StorageError, R>): Effect.Effect<Probed<A>, never, R> =>
  effect.pipe(
    Effect.map((value): Probed<A> => ({ ok: true, value })),
    Effect.catch((error) => Effect.succeed<Probed<A>>({ ok: false, error: error.message }))
  )

const readAll = (engine: StorageEngineShape, key: string) =>
  Effect.flatMap(
    engine.get(key),
    (body) => Stream.runCollect(body.stream).pipe(Effect.map((chunks) => ({ body, bytes: Buffer.concat(chunks) })))
  )

const readsBack = (engine: StorageEngineShape, key: string, data: Uint8Array) =>
  Effect.map(readAll(engine, key), ({ bytes }) => bytes.equals(data))

/** A key as `encoding-type=url` sends it, decoded; undefined when it is not URL-encoded text (a raw "%"). */
const urlDecoded = (text: string): string | undefined => {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "))
  } catch {
    return undefined
  }
}

const md5 = (data: Uint8Array) => createHash("md5").update(data).digest("hex")

/**
 * `immich-storage check-s3`: the S3 engine's own operations and a few raw requests, run against `location`'s
 * bucket under a scratch prefix (`<prefix>/immich-storage-check-<random>`) that is removed afterwards, also
 * when a probe fails or the run is interrupted. Returns what the server did, for `findingsOf`.
 */
export const runS3Check = Effect.fn("runS3Check")(function*(location: S3Location, settings: S3Settings) {
  const scratchName = `immich-storage-check-${randomBytes(6).toString("hex")}`
  const scratch = s3Location(location.bucket, joinKey(location.prefix, scratchName))
  const { checkBucket, engine, probe } = yield* makeS3Engine(scratch, settings, { partSize: MIN_PART })
  yield* checkBucket
  const cleanUp = Stream.runCollect(engine.list("")).pipe(
    Effect.flatMap((objects) => engine.delete(objects.map((o) => o.key))),
    // An upload the interruption caught between its start and its abort.
    Effect.andThen(Stream.runForEach(engine.listIncompleteWrites(""), engine.removeIncompleteWrite)),
    Effect.catch((error) =>
      Effect.logWarning(`check-s3 could not remove everything under ${scratch.prefix}: ${error.message}`)
    )
  )
  return yield* probes(engine, probe, scratch, settings).pipe(Effect.ensuring(cleanUp))
})

type Probe = Effect.Success<ReturnType<typeof makeS3Engine>>["probe"]

/** What every probe works with: the engine on the scratch prefix, its raw requests, and the test data. */
interface ProbeContext {
  readonly engine: StorageEngineShape
  readonly probe: Probe
  readonly scratch: S3Location
  readonly settings: S3Settings
  readonly data: Buffer
}

const roundTripProbe = ({ data, engine }: ProbeContext) =>
  probed(Effect.gen(function*() {
    yield* engine.put(OBJECT, data)
    const { body, bytes } = yield* readAll(engine, OBJECT)
    const kind = readCheckOf(body.info.digests)
    const readCheck = kind === undefined ? undefined : DIGEST_NAMES[kind] as "CRC32" | "MD5"
    return { same: bytes.equals(data), readCheck }
  }))

const crc32Probe = ({ data, scratch, settings }: ProbeContext) =>
  probed(Effect.gen(function*() {
    // The engine with request checksums on sends the CRC32 in a header, as the SDK does for a single PUT.
    const withChecksums = yield* makeS3Engine(scratch, { ...settings, requestChecksums: "when_supported" })
    const written = yield* Effect.result(withChecksums.engine.put("probe/crc32.bin", data))
    if (written._tag === "Failure") return { refused: written.failure.message }
    const stored = (yield* withChecksums.engine.stat("probe/crc32.bin")).digests?.crc32
    return stored === undefined ? "not stored" : stored === digestsOfBytes(data, ["crc32"]).crc32 ? "stored" : "wrong"
  }))

const etagProbe = ({ data, engine, settings }: ProbeContext) =>
  probed(Effect.gen(function*() {
    if (!settings.etagIsMd5) return "not taken for one" as const
    const claimed = (yield* engine.stat(OBJECT)).digests?.md5
    if (claimed !== undefined) return claimed === md5(data) ? "md5" : "looks like an MD5 but is not"
    return settings.sse?.algorithm === "aws:kms" ? "SSE-KMS" : "not an MD5"
  }))

const suffixRangeProbe = ({ data, engine, probe }: ProbeContext) =>
  probed(Effect.gen(function*() {
    const range = `bytes=-${data.length + 100}`
    const raw = yield* probe.exchange(OBJECT, (path) => ({ method: "GET", path, headers: { range } }))
    const body = yield* engine.get(OBJECT, { suffixLength: data.length + 100 })
    const bytes = Buffer.concat(yield* Stream.runCollect(body.stream))
    return {
      status: raw.status,
      whole: raw.body.equals(data),
      engineWhole: body.range?.start === 0 && body.range.end === data.length - 1 && bytes.equals(data)
    }
  }))

const unsatisfiableProbe = ({ data, engine, probe }: ProbeContext) =>
  probed(Effect.gen(function*() {
    const range = `bytes=${data.length}-`
    const raw = yield* probe.exchange(OBJECT, (path) => ({ method: "GET", path, headers: { range } }))
    const read = yield* Effect.result(engine.get(OBJECT, { start: data.length }))
    return {
      status: raw.status,
      sizeSent: raw.headers["content-range"] === `bytes */${data.length}`,
      engineSizeRight: read._tag === "Failure" && read.failure._tag === "RangeNotSatisfiable" &&
        read.failure.size === data.length
    }
  }))

const listingProbe = ({ engine, probe }: ProbeContext) =>
  probed(Effect.gen(function*() {
    const key = "probe/list/ünï cødé+&=#%.txt"
    yield* engine.put(key, Buffer.from("list"))
    const listed = (yield* Stream.runCollect(engine.list("probe/list"))).map((o) => o.key)
    const raw = yield* probe.rawBucket((path) => ({
      method: "GET",
      path,
      query: { "list-type": "2", "encoding-type": "url", prefix: `${probe.objectKey("probe/list")}/` }
    }))
    const sent = elementText(raw.body.toString("utf8"), "Key")
    const decoded = sent === undefined ? undefined : urlDecoded(sent)
    const stored = probe.objectKey(key)
    return { encodingTypeUrl: sent !== stored && decoded === stored, exact: listed.length === 1 && listed[0] === key }
  }))

const multipartProbe = ({ engine }: ProbeContext) =>
  probed(Effect.gen(function*() {
    const big = randomBytes(MIN_PART + 1)
    yield* engine.put("probe/multipart.bin", big)
    return yield* readsBack(engine, "probe/multipart.bin", big)
  }))

const copyProbe = ({ data, engine }: ProbeContext) =>
  probed(
    engine.copy(OBJECT, "probe/copy.bin").pipe(Effect.andThen(readsBack(engine, "probe/copy.bin", data)))
  )

const presignProbe = ({ data, probe }: ProbeContext) =>
  probed(Effect.gen(function*() {
    const url = yield* probe.presignGet(OBJECT, { expiresInSeconds: 300 })
    return yield* Effect.promise(() =>
      fetch(url).then(async (r) => r.status === 200 && Buffer.from(await r.arrayBuffer()).equals(data), () => false)
    )
  }))

const latencyMsProbe = ({ engine }: ProbeContext) =>
  probed(Effect.gen(function*() {
    const samples: Array<number> = []
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const started = performance.now()
      yield* engine.stat(OBJECT)
      samples.push(performance.now() - started)
    }
    return median(samples)
  }))

const removedProbe = ({ engine }: ProbeContext) =>
  probed(Effect.gen(function*() {
    yield* engine.delete([OBJECT, "probe/copy.bin"])
    const after = yield* Effect.result(engine.stat(OBJECT))
    return after._tag === "Failure" && after.failure._tag === "ObjectNotFound"
  }))

/** The probes in order: each may rely on what the ones before it wrote; the delete comes last. */
const probes = Effect.fnUntraced(function*(
  engine: StorageEngineShape,
  probe: Probe,
  scratch: S3Location,
  settings: S3Settings
) {
  const context: ProbeContext = { engine, probe, scratch, settings, data: randomBytes(64 * 1024) }
  const roundTrip = yield* roundTripProbe(context)
  const crc32 = yield* crc32Probe(context)
  const etag = yield* etagProbe(context)
  const suffixRange = yield* suffixRangeProbe(context)
  const unsatisfiable = yield* unsatisfiableProbe(context)
  const listing = yield* listingProbe(context)
  const multipart = yield* multipartProbe(context)
  const copy = yield* copyProbe(context)
  const presign = yield* presignProbe(context)
  const latencyMs = yield* latencyMsProbe(context)
  const removed = yield* removedProbe(context)
  const facts: S3Facts = {
    roundTrip,
    crc32,
    etag,
    suffixRange,
    unsatisfiable,
    listing,
    multipart,
    copy,
    presign,
    latencyMs,
    delete: removed
  }
  return facts
})
