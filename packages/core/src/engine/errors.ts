import * as Schema from "effect/Schema"

/**
 * Every failure of a storage engine is one of these. SDK and file-system errors are mapped at the
 * boundary (`s3/s3Errors.ts`, `localErrors.ts`); each message says what happened and what to do.
 */

export class ObjectNotFound extends Schema.TaggedError<ObjectNotFound>()("ObjectNotFound", {
  location: Schema.String,
  key: Schema.String,
  /** What the storage or the file system threw, kept for logs and debugging. */
  cause: Schema.optional(Schema.Unknown)
}) {
  override get message(): string {
    return `No file "${this.key}" in ${this.location}`
  }
}

export class InvalidKey extends Schema.TaggedError<InvalidKey>()("InvalidKey", {
  key: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `Refused key ${JSON.stringify(this.key)}: ${this.reason}`
  }
}

export class AccessDenied extends Schema.TaggedError<AccessDenied>()("AccessDenied", {
  location: Schema.String,
  operation: Schema.String,
  key: Schema.optional(Schema.String),
  detail: Schema.String,
  /** What the storage or the file system threw, kept for logs and debugging. */
  cause: Schema.optional(Schema.Unknown)
}) {
  override get message(): string {
    const target = this.key === undefined ? this.location : `"${this.key}" in ${this.location}`
    return `Access denied to ${this.operation} ${target}: ${this.detail}`
  }
}

export class BucketNotFound extends Schema.TaggedError<BucketNotFound>()("BucketNotFound", {
  bucket: Schema.String,
  /** What the storage or the file system threw, kept for logs and debugging. */
  cause: Schema.optional(Schema.Unknown)
}) {
  override get message(): string {
    return `Bucket "${this.bucket}" does not exist: ` +
      "create it, or fix S3_BUCKET (and S3_ENDPOINT / S3_REGION if it lives elsewhere)"
  }
}

export class RangeNotSatisfiable extends Schema.TaggedError<RangeNotSatisfiable>()("RangeNotSatisfiable", {
  key: Schema.String,
  size: Schema.Number,
  /** What the storage or the file system threw, kept for logs and debugging. */
  cause: Schema.optional(Schema.Unknown)
}) {
  override get message(): string {
    return `The requested byte range lies outside "${this.key}" (${this.size} bytes)`
  }
}

/**
 * The bytes read do not match the checksum the storage holds for them (`check`: "CRC32" or "MD5"): a
 * damaged link, proxy or disk. The read is stopped at its end, so nothing trusts the bytes.
 */
export class IntegrityMismatch extends Schema.TaggedError<IntegrityMismatch>()("IntegrityMismatch", {
  location: Schema.String,
  key: Schema.String,
  check: Schema.String
}) {
  override get message(): string {
    return `The bytes read of "${this.key}" in ${this.location} do not match the object's ${this.check}: ` +
      "the read was failed. Try again; if it fails again, the stored object or the way to the server is damaged"
  }
}

/** A transient fault that outlasted the retry policy: the storage may work again later. */
export class StorageUnavailable extends Schema.TaggedError<StorageUnavailable>()("StorageUnavailable", {
  location: Schema.String,
  operation: Schema.String,
  key: Schema.optional(Schema.String),
  detail: Schema.String,
  /** What the storage or the file system threw, kept for logs and debugging. */
  cause: Schema.optional(Schema.Unknown)
}) {
  override get message(): string {
    const key = this.key === undefined ? "" : ` "${this.key}"`
    return `${this.location} is unavailable (${this.operation}${key}): ${this.detail}`
  }
}

/** Any other failure that retrying will not fix (disk full, invalid request, misconfigured server). */
export class StorageFailure extends Schema.TaggedError<StorageFailure>()("StorageFailure", {
  location: Schema.String,
  operation: Schema.String,
  key: Schema.optional(Schema.String),
  detail: Schema.String,
  /** What the storage or the file system threw, kept for logs and debugging. */
  cause: Schema.optional(Schema.Unknown)
}) {
  override get message(): string {
    const key = this.key === undefined ? "" : ` "${this.key}"`
    return `Could not ${this.operation}${key} in ${this.location}: ${this.detail}`
  }
}

export type StorageError =
  | ObjectNotFound
  | InvalidKey
  | AccessDenied
  | BucketNotFound
  | RangeNotSatisfiable
  | IntegrityMismatch
  | StorageUnavailable
  | StorageFailure
