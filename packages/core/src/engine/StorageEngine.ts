import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Stream from "effect/Stream"
import { StorageConfig } from "../config/StorageConfig.ts"
import type { MediaLocation } from "../location/MediaLocation.ts"
import type { ByteRange, ResolvedRange } from "./byteRange.ts"
import type { ObjectDigests } from "./digests.ts"
import type { StorageError } from "./errors.ts"
import { makeEngineServices } from "./makeEngine.ts"
import { Presigner } from "./Presigner.ts"

export interface ObjectInfo {
  /** The storage key, relative to the media location. */
  readonly key: string
  readonly size: number
  readonly lastModified: Date
  /** The S3 ETag (quoted, as S3 sends it); undefined on local disk. */
  readonly etag: string | undefined
  /**
   * S3 listings: the MD5 the ETag claims to be, unless the settings say ETags are not MD5s (see `listedMd5`).
   * Local listings asked for it (`ListOptions.md5`): the MD5 of the file as read. A match with the other
   * side's MD5 proves the same content; a mismatch proves nothing.
   */
  readonly listedMd5?: string | undefined
  /** What the storage knows of the content without reading it (S3 `stat` and `get`; not listings, not local disk). */
  readonly digests?: ObjectDigests
}

export interface ObjectBody {
  readonly info: ObjectInfo
  /** The bytes the stream carries: the requested range, or the whole object. */
  readonly range: ResolvedRange | undefined
  readonly stream: Stream.Stream<Uint8Array, StorageError>
}

export interface GetOptions {
  /**
   * How many bytes a local read takes at once (default 1 MiB). A sync feeding 8 MiB upload parts reads
   * 8 MiB at a time: no re-joining of small chunks, and far less garbage. Object storage ignores it.
   */
  readonly readSize?: number
}

export interface SmallObject {
  readonly info: ObjectInfo
  readonly bytes: Uint8Array
}

export interface PutOptions {
  readonly contentType?: string
  /** The file's modification time on local disk (a sync keeps the source's); S3 sets its own. */
  readonly lastModified?: Date
}

/** A write that has not completed (yet, or ever): never visible under its final key. */
export interface IncompleteWrite {
  readonly kind: "temp-file" | "multipart-upload"
  /** The temp file's own key (local disk), or the key the upload was writing (S3). */
  readonly key: string
  /** When it was last written to (temp file), or when it was started (upload). */
  readonly startedAt: Date
  /** Bytes it holds; undefined where the storage does not say (S3 lists uploads without their size). */
  readonly size: number | undefined
  /** S3 only: which upload of `key`. */
  readonly uploadId?: string
}

/**
 * Files under one media location, on local disk or in S3. Keys are relative POSIX paths; every
 * method validates them and refuses anything that could leave the location. Writes are atomic:
 * nothing half-written ever shows under its final key.
 */
export interface StorageEngineShape {
  readonly location: MediaLocation
  readonly put: <E = never>(
    key: string,
    body: Stream.Stream<Uint8Array, E> | Uint8Array,
    options?: PutOptions
  ) => Effect.Effect<ObjectInfo, StorageError | E>
  readonly get: (key: string, range?: ByteRange, options?: GetOptions) => Effect.Effect<ObjectBody, StorageError>
  /**
   * The whole object in one read, when it is no larger than `maxBytes`; undefined when it is larger (then
   * `get` streams it). Copying thousands of small files, a stream per file costs more than the bytes.
   */
  readonly readSmall: (key: string, maxBytes: number) => Effect.Effect<SmallObject | undefined, StorageError>
  readonly stat: (key: string) => Effect.Effect<ObjectInfo, StorageError>
  /**
   * Every object below `prefix` ("" for all), recursively, in UTF-8 byte order of the keys, as AWS, Ceph,
   * MinIO and R2 list them and as the local walk does. Sync merges two listings on that order and stops
   * with `ListingOutOfOrder` on a server that breaks it (fauxqs, as published, lists in locale order).
   */
  readonly list: (prefix: string, options?: ListOptions) => Stream.Stream<ObjectInfo, StorageError>
  /** Deletes the keys that exist; missing keys are not an error. */
  readonly delete: (keys: ReadonlyArray<string>) => Effect.Effect<void, StorageError>
  readonly copy: (from: string, to: string) => Effect.Effect<void, StorageError>
  /**
   * What interrupted writes left below `prefix` ("" for the whole location): the local engine's own temp
   * files, or incomplete multipart uploads on S3. A write in progress shows here too: callers decide by age.
   */
  readonly listIncompleteWrites: (prefix: string) => Stream.Stream<IncompleteWrite, StorageError>
  /** Deletes a temp file or aborts an upload that `listIncompleteWrites` found; one already gone is no error. */
  readonly removeIncompleteWrite: (write: IncompleteWrite) => Effect.Effect<void, StorageError>
}

export interface ListOptions {
  /**
   * Listing requests in flight at once (S3: the key space is split on prefixes found with a delimiter listing,
   * whose listings are concatenated in order). 1 or undefined: one serial chain of pages. Local disk ignores it.
   */
  readonly concurrency?: number | undefined
  /**
   * Local disk: also read and hash every file while listing, for `listedMd5` (what `--checksum` compares);
   * the walk's thread does it, off the main thread. S3 ignores it: its listing carries the ETag.
   */
  readonly md5?: boolean | undefined
}

export class StorageEngine
  extends Context.Service<StorageEngine, StorageEngineShape>()("@immich-storage/core/StorageEngine") {
  /**
   * The engine the configuration picks (see `makeEngine`). An S3 engine's layer also provides its
   * `Presigner`, which callers ask for with `Effect.serviceOption(Presigner)`: local disk has none.
   */
  static readonly layer: Layer.Layer<StorageEngine, StorageError, StorageConfig> = Layer.effectContext(
    Effect.gen(function*() {
      const { engine, presigner } = yield* makeEngineServices(yield* StorageConfig)
      const services = Context.make(StorageEngine, engine)
      return presigner === undefined ? services : Context.add(services, Presigner, presigner)
    })
  )
}
