import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { createHash } from "node:crypto"
import type { Hash } from "node:crypto"
import { crc32 } from "node:zlib"

/**
 * What a storage knows of an object's content without reading it. Either one, when both sides of a
 * comparison (or a read and its object) have it, says whether the bytes are the same.
 */
export interface ObjectDigests {
  /** The body's MD5 (hex): on S3, an ETag that is one (single-part objects without SSE-KMS or SSE-C). */
  readonly md5?: string
  /** The whole object's CRC32 as the server stored it (unsigned). */
  readonly crc32?: number
}

export type DigestKind = keyof ObjectDigests

/** In order of preference: CRC32 costs less to compute than MD5. */
export const DIGEST_KINDS: ReadonlyArray<DigestKind> = ["crc32", "md5"]

export const DIGEST_NAMES: Readonly<Record<DigestKind, string>> = { crc32: "CRC32", md5: "MD5" }

/** The check a whole-object read makes: the cheapest digest the object has, if any. */
export const readCheckOf = (digests: ObjectDigests | undefined): DigestKind | undefined =>
  DIGEST_KINDS.find((kind) => digests?.[kind] !== undefined)

/** Computes the digests of `kinds` over the chunks it is given. */
export interface Digester {
  readonly update: (chunk: Uint8Array) => void
  readonly digests: () => ObjectDigests
}

export const digester = (kinds: ReadonlyArray<DigestKind>): Digester => {
  let crc = kinds.includes("crc32") ? 0 : undefined
  const md5: Hash | undefined = kinds.includes("md5") ? createHash("md5") : undefined
  return {
    update: (chunk) => {
      if (crc !== undefined) crc = crc32(chunk, crc)
      md5?.update(chunk)
    },
    digests: () => ({
      ...(crc === undefined ? {} : { crc32: crc >>> 0 }),
      ...(md5 === undefined ? {} : { md5: md5.digest("hex") })
    })
  }
}

/** The digests of `kinds` of bytes held whole. */
export const digestsOfBytes = (bytes: Uint8Array, kinds: ReadonlyArray<DigestKind>): ObjectDigests => {
  const d = digester(kinds)
  d.update(bytes)
  return d.digests()
}

/**
 * `stream`, checked as it is read against the object's cheapest digest. Its last chunk is held back until
 * the digest matches: a mismatch fails the stream (`onMismatch(kind)`) before the last bytes go out, so a
 * client served from it never receives a complete wrong file. Without a digest the stream is passed on as is.
 */
export const verifiedStream = <E, F>(
  stream: Stream.Stream<Uint8Array, E>,
  expected: ObjectDigests | undefined,
  onMismatch: (kind: DigestKind) => F
): Stream.Stream<Uint8Array, E | F> => {
  const kind = readCheckOf(expected)
  if (kind === undefined) return stream
  return Stream.suspend(() => {
    const d = digester([kind])
    let held: Uint8Array | undefined
    // Hashed a chunk array at a time, without an effect per chunk (small downloads feel the difference).
    const allButLast = Stream.mapAccumArray(stream, () => undefined, (state, chunks) => {
      const out: Array<Uint8Array> = []
      for (const chunk of chunks) {
        d.update(chunk)
        if (held !== undefined) out.push(held)
        held = chunk
      }
      return [state, out] as const
    })
    const last = Stream.unwrap(Effect.suspend(() =>
      d.digests()[kind] !== expected?.[kind]
        ? Effect.fail(onMismatch(kind))
        : Effect.succeed(held === undefined ? Stream.empty : Stream.make(held))
    ))
    return Stream.concat(allButLast, last)
  })
}
