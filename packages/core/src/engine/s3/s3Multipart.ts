import type {
  CompletedPart,
  CompleteMultipartUploadCommandOutput,
  CreateMultipartUploadCommandInput
} from "@aws-sdk/client-s3"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import type { StorageKey } from "../../location/StorageKey.ts"
import { StorageFailure } from "../errors.ts"
import type { StorageError } from "../errors.ts"
import type { S3Transport, Sdk } from "./s3Transport.ts"

/** S3 allows at most this many parts per upload. */
export const MAX_PARTS = 10_000

/** How the steps of one kind of multipart upload are named in messages ("write", "copy"). */
export interface MultipartSteps {
  readonly start: string
  readonly part: string
  readonly complete: string
  readonly abort: string
}

export const UPLOAD_STEPS: MultipartSteps = {
  start: "start an upload of",
  part: "write",
  complete: "complete the upload of",
  abort: "abort the upload of"
}

export const COPY_STEPS: MultipartSteps = {
  start: "start a copy to",
  part: "copy",
  complete: "complete the copy to",
  abort: "abort the copy to"
}

export interface MultipartUpload<P, E> {
  readonly key: StorageKey
  readonly steps: MultipartSteps
  /** CreateMultipartUpload's fields besides the bucket and the key (content type, SSE, checksum). */
  readonly create: Omit<CreateMultipartUploadCommandInput, "Bucket" | "Key">
  /** What each part is made from, in order: its bytes, or the range of an object it copies. */
  readonly parts: Stream.Stream<P, E>
  readonly concurrency: number
  /** Sends one part; its number counts from 1. */
  readonly sendPart: (
    sdk: Sdk,
    part: { readonly source: P; readonly PartNumber: number; readonly UploadId: string; readonly Key: string },
    signal: AbortSignal
  ) => Promise<CompletedPart>
}

/**
 * One multipart upload: create it, send its parts with bounded concurrency, complete it. An upload that
 * fails or is interrupted is aborted, so its parts never show as an object; an abort that fails is logged
 * (a bucket lifecycle rule is then what removes the parts).
 */
export const uploadInParts = <P, E>(
  transport: S3Transport,
  upload: MultipartUpload<P, E>
): Effect.Effect<CompleteMultipartUploadCommandOutput, StorageError | E> => {
  const { call, name, objectKey } = transport
  const { key, steps } = upload
  const Bucket = transport.bucket
  const Key = objectKey(key)
  const failure = (operation: string, detail: string) => new StorageFailure({ location: name, operation, key, detail })

  const create = call(
    steps.start,
    key,
    ({ client, module }, abortSignal) =>
      client.send(new module.CreateMultipartUploadCommand({ ...upload.create, Bucket, Key }), { abortSignal })
  ).pipe(
    Effect.flatMap((created) =>
      created.UploadId === undefined || created.UploadId === ""
        ? Effect.fail(failure(steps.start, "the server returned no UploadId"))
        : Effect.succeed(created.UploadId)
    )
  )

  const sendAll = (UploadId: string) =>
    upload.parts.pipe(
      Stream.zipWithIndex,
      Stream.mapEffect(([source, index]) => {
        const PartNumber = index + 1
        if (PartNumber > MAX_PARTS) {
          return Effect.fail(failure(steps.part, `the body needs more than ${MAX_PARTS} parts`))
        }
        const part = { source, PartNumber, UploadId, Key }
        return call(steps.part, key, (sdk, signal) => upload.sendPart(sdk, part, signal))
      }, { concurrency: upload.concurrency }),
      Stream.runCollect,
      Effect.flatMap((Parts) =>
        call(steps.complete, key, ({ client, module }, abortSignal) =>
          client.send(
            new module.CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } }),
            { abortSignal }
          ))
      )
    )

  const abortUnlessDone = (UploadId: string, exit: Exit.Exit<unknown, unknown>) =>
    Exit.isSuccess(exit)
      ? Effect.void
      : call(steps.abort, key, ({ client, module }, abortSignal) =>
        client.send(new module.AbortMultipartUploadCommand({ Bucket, Key, UploadId }), { abortSignal })).pipe(
          Effect.catch((error) => {
            const warning = `Could not ${steps.abort} ${key}; a bucket lifecycle rule will clean it up`
            return Effect.logWarning(warning, error.message)
          })
        )

  return Effect.acquireUseRelease(create, sendAll, abortUnlessDone)
}
