import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Semaphore from "effect/Semaphore"
import * as Stream from "effect/Stream"
import { keyProblem } from "../../location/StorageKey.ts"
import type { StorageError } from "../errors.ts"
import type { StoragePrefix } from "../keyFront.ts"
import type { ListOptions, ObjectInfo } from "../StorageEngine.ts"
import { listedMd5 } from "./s3Digests.ts"
import { bucketPath } from "./s3Endpoint.ts"
import { parseListObjectsV2 } from "./s3ListPage.ts"
import { listInParallel, pagesOf } from "./s3ParallelList.ts"
import type { PageOf } from "./s3ParallelList.ts"
import type { ReadContext } from "./s3Reads.ts"

const pageOf = (context: ReadContext, prefix: StoragePrefix): PageOf => (rawPrefix, token, delimiter, startAfter) =>
  context.transport.request("list", prefix === "" ? undefined : prefix, (bucket) => ({
    method: "GET",
    path: bucketPath(bucket),
    query: {
      "list-type": "2",
      "max-keys": String(context.listPageSize),
      // Keys may hold characters XML 1.0 cannot carry (control characters): S3 sends them URL-encoded.
      "encoding-type": "url",
      ...(rawPrefix === "" ? {} : { prefix: rawPrefix }),
      ...(delimiter === undefined ? {} : { delimiter }),
      ...(startAfter === undefined ? {} : { "start-after": startAfter }),
      ...(token === undefined ? {} : { "continuation-token": token })
    }
  })).pipe(Effect.map((response) => parseListObjectsV2(response.body)))

export const listOf =
  (context: ReadContext) =>
  (prefix: StoragePrefix, options: ListOptions = {}): Stream.Stream<ObjectInfo, StorageError> => {
    const { keyOfObject, objectKey } = context.transport
    const { locationPrefix } = context
    const rawPrefix = prefix === "" ? (locationPrefix === "" ? "" : `${locationPrefix}/`) : `${objectKey(prefix)}/`
    const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1))
    const trust = context.etagTrust
    const objects = concurrency === 1
      ? pagesOf(pageOf(context, prefix), rawPrefix)
      : Stream.unwrap(Effect.map(Semaphore.make(concurrency), (gate) => {
        // Every request of a parallel listing, discovery included, holds a permit: `concurrency` in flight at most.
        const page: PageOf = (raw, token, delimiter, startAfter) =>
          gate.withPermit(pageOf(context, prefix)(raw, token, delimiter, startAfter))
        return listInParallel(page, rawPrefix, concurrency, context.listPageSize)
      }))
    return objects.pipe(
      // Folder placeholders ("photos/") and keys other tools wrote that we could not address are skipped.
      Stream.filter((object) => keyProblem(keyOfObject(object.key)) === undefined),
      Stream.map((object): ObjectInfo => ({
        key: keyOfObject(object.key),
        size: object.size,
        lastModified: object.lastModified,
        etag: object.etag,
        listedMd5: listedMd5(object.etag, trust)
      }))
    )
  }
