import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { StorageError } from "./errors.ts"

export interface PresignGetOptions {
  /** How long the URL works: 1 second to 7 days (SigV4's limit). */
  readonly expiresInSeconds: number
  /** Sent back by S3 as `Content-Disposition` (`response-content-disposition`). */
  readonly contentDisposition?: string
  /** Sent back by S3 as `Content-Type` (`response-content-type`). */
  readonly contentType?: string
  /** Sent back by S3 as `Cache-Control` (`response-cache-control`). */
  readonly cacheControl?: string
  /** When the signature's validity starts; now unless given (tests pin it). */
  readonly signingDate?: Date
}

/** A short-lived URL from which anyone holding it can GET one object. */
export type PresignGet = (key: string, options: PresignGetOptions) => Effect.Effect<string, StorageError>

export interface PresignerShape {
  readonly presignGet: PresignGet
}

/**
 * Presigned download URLs for the engine's objects. Only an S3 engine's layer provides it (local disk has
 * no URLs to sign): ask for it with `Effect.serviceOption(Presigner)`.
 */
export class Presigner extends Context.Service<Presigner, PresignerShape>()("@immich-storage/core/Presigner") {}
