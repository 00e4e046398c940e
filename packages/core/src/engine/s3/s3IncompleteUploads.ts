import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { StorageKey } from "../../location/StorageKey.ts"
import { keyProblem } from "../../location/StorageKey.ts"
import { InvalidKey } from "../errors.ts"
import type { StorageError } from "../errors.ts"
import type { StoragePrefix } from "../keyFront.ts"
import type { IncompleteWrite } from "../StorageEngine.ts"
import { isUnsupported, S3Failure } from "./s3Failure.ts"
import { decodeUrlEncodedKey } from "./s3ListPage.ts"
import type { S3Transport } from "./s3Transport.ts"

/** Incomplete multipart uploads below a prefix (ListMultipartUploads, page by page), and their abort. */
export const makeIncompleteUploads = (transport: S3Transport, locationPrefix: string) => {
  const { bucket: Bucket, call, keyOfObject, name, objectKey } = transport

  const list = (prefix: StoragePrefix): Stream.Stream<IncompleteWrite, StorageError> => {
    // Below the location's own prefix at a "/" boundary: `photos/` never reaches into `photos2/`.
    const Prefix = prefix !== "" ? `${objectKey(prefix)}/` : locationPrefix === "" ? undefined : `${locationPrefix}/`
    type Marker = { readonly KeyMarker: string; readonly UploadIdMarker?: string } | undefined
    const page = (marker: Marker) =>
      call(
        "list incomplete uploads in",
        prefix === "" ? undefined : prefix,
        ({ client, module }, abortSignal) =>
          client.send(
            new module.ListMultipartUploadsCommand({
              Bucket,
              EncodingType: "url",
              ...(Prefix === undefined ? {} : { Prefix }),
              ...marker
            }),
            { abortSignal }
          )
      ).pipe(
        // Some S3-compatible servers cannot list uploads; a bucket lifecycle rule is then the way to clean up.
        Effect.catchTag("StorageFailure", (error) => {
          if (!(error.cause instanceof S3Failure && isUnsupported(error.cause))) return Effect.fail(error)
          const warning = `${name} cannot list incomplete uploads; a lifecycle rule must abort them`
          return Effect.as(Effect.logWarning(warning), undefined)
        })
      )
    return Stream.paginate(undefined as Marker, (marker) =>
      page(marker).pipe(Effect.map((result) => {
        const writes: Array<IncompleteWrite> = []
        // Keys come URL-encoded when the server honours `EncodingType` (the SDK leaves them so).
        const decode = result?.EncodingType === "url" ? decodeUrlEncodedKey : (text: string) => text
        for (const upload of result?.Uploads ?? []) {
          const object = upload.Key === undefined ? undefined : decode(upload.Key)
          if (object === undefined || upload.UploadId === undefined) continue
          const key = keyOfObject(object)
          // An upload under a key we could not address is not ours to abort.
          if (keyProblem(key) !== undefined) continue
          const startedAt = upload.Initiated ?? new Date()
          writes.push({ kind: "multipart-upload", key, uploadId: upload.UploadId, startedAt, size: undefined })
        }
        // The next key marker is encoded like the keys; the request takes it plain.
        const next: Option.Option<Marker> = result?.IsTruncated === true && result.NextKeyMarker !== undefined
          ? Option.some({
            KeyMarker: decode(result.NextKeyMarker) ?? result.NextKeyMarker,
            ...(result.NextUploadIdMarker === undefined ? {} : { UploadIdMarker: result.NextUploadIdMarker })
          })
          : Option.none()
        return [writes, next] as const
      })))
  }

  const remove = Effect.fn("S3Engine.removeIncompleteWrite")(function*(write: IncompleteWrite, key: StorageKey) {
    const UploadId = write.uploadId
    if (write.kind !== "multipart-upload" || UploadId === undefined) {
      return yield* new InvalidKey({ key, reason: "it is not an incomplete upload" })
    }
    yield* call(
      "abort an incomplete upload of",
      key,
      ({ client, module }, abortSignal) =>
        client.send(new module.AbortMultipartUploadCommand({ Bucket, Key: objectKey(key), UploadId }), { abortSignal })
    ).pipe(
      // NoSuchUpload: completed or aborted meanwhile.
      Effect.catchTag("ObjectNotFound", () => Effect.void)
    )
  })

  return { listIncompleteWrites: list, removeIncompleteWrite: remove }
}
