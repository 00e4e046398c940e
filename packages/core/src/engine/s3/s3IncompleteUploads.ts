import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { keyProblem, prefixProblem } from "../../location/StorageKey.ts"
import { InvalidKey } from "../errors.ts"
import type { StorageError } from "../errors.ts"
import type { IncompleteWrite } from "../StorageEngine.ts"
import type { Sdk } from "./S3Engine.ts"

export interface IncompleteUploadsContext {
  /** The location, for messages. */
  readonly name: string
  readonly bucket: string
  /** The location's prefix in the bucket ("" for the whole bucket). */
  readonly locationPrefix: string
  readonly objectKey: (key: string) => string
  readonly keyOfObject: (object: string) => string
  /** One SDK call, with the engine's error mapping and retries. */
  readonly call: <A>(
    operation: string,
    key: string | undefined,
    send: (sdk: Sdk, signal: AbortSignal) => Promise<A>
  ) => Effect.Effect<A, StorageError>
}

/** Servers that answer ListMultipartUploads with one of these cannot list uploads at all. */
const UNSUPPORTED = /NotImplemented|HTTP 501|HTTP 405|MethodNotAllowed/

/** Incomplete multipart uploads below a prefix (ListMultipartUploads, page by page), and their abort. */
export const makeIncompleteUploads = (context: IncompleteUploadsContext) => {
  const { bucket: Bucket, call, keyOfObject, name, objectKey } = context

  const list = (prefix: string): Stream.Stream<IncompleteWrite, StorageError> => {
    const problem = prefixProblem(prefix)
    if (problem !== undefined) return Stream.fail(new InvalidKey({ key: prefix, reason: problem }))
    // Below the location's own prefix at a "/" boundary: `photos/` never reaches into `photos2/`.
    const Prefix = prefix !== ""
      ? `${objectKey(prefix)}/`
      : context.locationPrefix === ""
      ? undefined
      : `${context.locationPrefix}/`
    type Marker = { readonly KeyMarker: string; readonly UploadIdMarker?: string } | undefined
    const page = (marker: Marker) =>
      call("list incomplete uploads in", prefix === "" ? undefined : prefix, ({ client, module }, abortSignal) =>
        client.send(
          new module.ListMultipartUploadsCommand({ Bucket, ...(Prefix === undefined ? {} : { Prefix }), ...marker }),
          { abortSignal }
        )).pipe(
        // Some S3-compatible servers cannot list uploads; a bucket lifecycle rule is then the way to clean up.
        Effect.catchTag("StorageFailure", (error) => {
          if (!UNSUPPORTED.test(error.detail)) return Effect.fail(error)
          const warning = `${name} cannot list incomplete uploads; a lifecycle rule must abort them`
          return Effect.as(Effect.logWarning(warning), undefined)
        })
      )
    return Stream.paginate(undefined as Marker, (marker) =>
      page(marker).pipe(Effect.map((result) => {
        const writes: Array<IncompleteWrite> = []
        for (const upload of result?.Uploads ?? []) {
          if (upload.Key === undefined || upload.UploadId === undefined) continue
          const key = keyOfObject(upload.Key)
          // An upload under a key we could not address is not ours to abort.
          if (keyProblem(key) !== undefined) continue
          const startedAt = upload.Initiated ?? new Date()
          writes.push({ kind: "multipart-upload", key, uploadId: upload.UploadId, startedAt, size: undefined })
        }
        const next: Option.Option<Marker> = result?.IsTruncated === true && result.NextKeyMarker !== undefined
          ? Option.some({
            KeyMarker: result.NextKeyMarker,
            ...(result.NextUploadIdMarker === undefined ? {} : { UploadIdMarker: result.NextUploadIdMarker })
          })
          : Option.none()
        return [writes, next] as const
      })))
  }

  const remove = Effect.fn("S3Engine.removeIncompleteWrite")(function*(write: IncompleteWrite) {
    const { key, uploadId: UploadId } = write
    const isUpload = write.kind === "multipart-upload" && UploadId !== undefined
    const problem = keyProblem(key) ?? (isUpload ? undefined : "it is not an incomplete upload")
    if (problem !== undefined) return yield* new InvalidKey({ key, reason: problem })
    yield* call("abort an incomplete upload of", key, ({ client, module }, abortSignal) =>
      client.send(new module.AbortMultipartUploadCommand({ Bucket, Key: objectKey(key), UploadId }), { abortSignal })
    ).pipe(
      // NoSuchUpload: completed or aborted meanwhile.
      Effect.catchTag("ObjectNotFound", () => Effect.void)
    )
  })

  return { listIncompleteWrites: list, removeIncompleteWrite: remove }
}
