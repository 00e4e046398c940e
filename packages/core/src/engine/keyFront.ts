import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { StorageKey } from "../location/StorageKey.ts"
import { keyProblem, prefixProblem } from "../location/StorageKey.ts"
import type { ByteRange } from "./byteRange.ts"
import { InvalidKey } from "./errors.ts"
import type { StorageError } from "./errors.ts"
import type {
  GetOptions,
  IncompleteWrite,
  ListOptions,
  ObjectBody,
  ObjectInfo,
  PutOptions,
  SmallObject,
  StorageEngineShape
} from "./StorageEngine.ts"

/** A listing prefix once checked: "" (everything) or a key naming a folder. */
export type StoragePrefix = StorageKey | ""

/**
 * What an engine implements: the methods of `StorageEngineShape`, taking keys that were checked already.
 * `withKeyChecks` is the one front that checks them, so no engine carries its own copy of the rules.
 */
export interface EngineInternals {
  readonly location: StorageEngineShape["location"]
  readonly put: <E = never>(
    key: StorageKey,
    body: Stream.Stream<Uint8Array, E> | Uint8Array,
    options?: PutOptions
  ) => Effect.Effect<ObjectInfo, StorageError | E>
  readonly get: (key: StorageKey, range?: ByteRange, options?: GetOptions) => Effect.Effect<ObjectBody, StorageError>
  readonly readSmall: (key: StorageKey, maxBytes: number) => Effect.Effect<SmallObject | undefined, StorageError>
  readonly stat: (key: StorageKey) => Effect.Effect<ObjectInfo, StorageError>
  readonly list: (prefix: StoragePrefix, options?: ListOptions) => Stream.Stream<ObjectInfo, StorageError>
  readonly delete: (keys: ReadonlyArray<StorageKey>) => Effect.Effect<void, StorageError>
  readonly copy: (from: StorageKey, to: StorageKey) => Effect.Effect<void, StorageError>
  readonly listIncompleteWrites: (prefix: StoragePrefix) => Stream.Stream<IncompleteWrite, StorageError>
  /** `key` is `write.key`, checked. */
  readonly removeIncompleteWrite: (write: IncompleteWrite, key: StorageKey) => Effect.Effect<void, StorageError>
}

const invalid = (key: string, reason: string) => new InvalidKey({ key, reason })

/** `key` as a StorageKey, or InvalidKey saying why it is refused. */
export const checkKey = (key: string): Effect.Effect<StorageKey, InvalidKey> => {
  const reason = keyProblem(key)
  return reason === undefined ? Effect.succeed(key as StorageKey) : Effect.fail(invalid(key, reason))
}

/** The engine behind one front that refuses, before any I/O, every key that could leave the location. */
export const withKeyChecks = (engine: EngineInternals): StorageEngineShape => {
  // A failure for a refused key, else undefined: a valid key costs one check and no allocation, since
  // these run once per object on the hot path of a sync.
  const refusal = (key: string): Effect.Effect<never, InvalidKey> | undefined => {
    const reason = keyProblem(key)
    return reason === undefined ? undefined : Effect.fail(invalid(key, reason))
  }
  const refusedPrefix = (prefix: string): Stream.Stream<never, InvalidKey> | undefined => {
    const reason = prefixProblem(prefix)
    return reason === undefined ? undefined : Stream.fail(invalid(prefix, reason))
  }
  return {
    location: engine.location,
    put: (key, body, options) => refusal(key) ?? engine.put(key as StorageKey, body, options),
    get: (key, range, options) => refusal(key) ?? engine.get(key as StorageKey, range, options),
    readSmall: (key, maxBytes) => refusal(key) ?? engine.readSmall(key as StorageKey, maxBytes),
    stat: (key) => refusal(key) ?? engine.stat(key as StorageKey),
    list: (prefix, options) => refusedPrefix(prefix) ?? engine.list(prefix as StoragePrefix, options),
    // Every key is checked before any is deleted, so a bad batch deletes nothing.
    delete: (keys) => {
      for (const key of keys) {
        const refused = refusal(key)
        if (refused !== undefined) return refused
      }
      return engine.delete(keys as ReadonlyArray<StorageKey>)
    },
    copy: (from, to) => refusal(from) ?? refusal(to) ?? engine.copy(from as StorageKey, to as StorageKey),
    listIncompleteWrites: (prefix) => refusedPrefix(prefix) ?? engine.listIncompleteWrites(prefix as StoragePrefix),
    removeIncompleteWrite: (write) => refusal(write.key) ?? engine.removeIncompleteWrite(write, write.key as StorageKey)
  }
}
