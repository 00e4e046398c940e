import type { S3Client } from "@aws-sdk/client-s3"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import type { IncomingMessage } from "node:http"
import type { S3Settings } from "../../config/StorageSettings.ts"
import type { S3Location } from "../../location/MediaLocation.ts"
import { baseOf } from "../../location/MediaLocation.ts"
import { StorageFailure } from "../errors.ts"
import type { StorageError } from "../errors.ts"
import { retryTransient } from "../retry.ts"
import type { RetryPolicy } from "../retry.ts"
import { bucketUrlOf, customEndpointBucketUrl } from "./s3Endpoint.ts"
import type { BucketUrl } from "./s3Endpoint.ts"
import { fromS3Failure } from "./s3Errors.ts"
import { s3FailureOf } from "./s3Failure.ts"
import { makeS3Wire } from "./s3Wire.ts"
import type { Credentials, CredentialsProvider, S3Wire, WireRequest, WireResponse } from "./s3Wire.ts"

/** The AWS SDK and its client, loaded on first use. */
export interface Sdk {
  readonly module: typeof import("@aws-sdk/client-s3")
  readonly client: S3Client
}

/** Where a bucket's requests go, and the region they are signed for. */
export interface BucketTarget {
  readonly url: BucketUrl
  readonly region: string
}

/**
 * The two ways an engine talks to S3, with one error mapping and one retry policy: lean requests
 * (`s3Wire`, signed by the SDK's own signer, without its per-request machinery) for the frequent, simple
 * requests, and the AWS SDK, loaded only when first needed, for the rest.
 */
export interface S3Transport {
  /** The location, for messages. */
  readonly name: string
  readonly bucket: string
  /** The object a key is stored as, below the location's prefix. */
  readonly objectKey: (key: string) => string
  readonly keyOfObject: (object: string) => string
  /** Maps anything a request about `key` threw to a storage error. */
  readonly errorFor: (operation: string, key: string | undefined) => (thrown: unknown) => StorageError
  /** One SDK call. */
  readonly call: <A>(
    operation: string,
    key: string | undefined,
    send: (sdk: Sdk, signal: AbortSignal) => Promise<A>
  ) => Effect.Effect<A, StorageError>
  /** One lean request, read whole; a non-2xx answer fails. */
  readonly request: (
    operation: string,
    key: string | undefined,
    build: (bucket: BucketUrl) => WireRequest
  ) => Effect.Effect<WireResponse, StorageError>
  /** One lean request answered as far as its 2xx head; `then` decides what to do with the body. */
  readonly open: <A>(
    operation: string,
    key: string | undefined,
    build: (bucket: BucketUrl) => WireRequest,
    then: (response: IncomingMessage) => Promise<A>
  ) => Effect.Effect<A, StorageError>
  /** One lean request and its whole answer, whatever its status (for `check-s3`). */
  readonly exchange: (
    key: string | undefined,
    build: (bucket: BucketUrl) => WireRequest
  ) => Effect.Effect<WireResponse, StorageError>
  readonly target: Effect.Effect<BucketTarget, StorageError>
  readonly credentials: Effect.Effect<CredentialsProvider>
}

/** One identity for every signature: nothing is built per request. */
const fixedCredentials = (identity: Credentials): CredentialsProvider => () => Promise.resolve(identity)

/** Static keys never load the SDK; otherwise its provider chain (environment, profile, IAM role) signs. */
const credentialsOf = (settings: S3Settings, loadSdk: Effect.Effect<Sdk>): Effect.Effect<CredentialsProvider> => {
  const fixed = settings.credentials
  return fixed === undefined
    ? Effect.map(loadSdk, ({ client }): CredentialsProvider => () => client.config.credentials())
    : Effect.succeed(fixedCredentials({
      accessKeyId: fixed.accessKeyId,
      secretAccessKey: Redacted.value(fixed.secretAccessKey)
    }))
}

/** Where the bucket's requests go: the configured endpoint, or AWS's resolver (which needs the SDK). */
const targetOf = (
  settings: S3Settings,
  bucket: string,
  name: string,
  loadSdk: Effect.Effect<Sdk>
): Effect.Effect<BucketTarget, StorageError> => {
  const endpoint = settings.endpoint
  return endpoint !== undefined
    ? Effect.sync(() => ({
      url: customEndpointBucketUrl(endpoint, bucket, settings.forcePathStyle),
      region: settings.region
    }))
    : Effect.flatMap(loadSdk, ({ client }) => awsTarget(client, settings, bucket, name))
}

export const makeS3Transport = Effect.fnUntraced(function*(
  location: S3Location,
  settings: S3Settings,
  retryPolicy: RetryPolicy
) {
  const retry = retryTransient(retryPolicy)
  const name = baseOf(location)
  const Bucket = location.bucket
  const scope = yield* Scope.Scope
  const prefix = location.prefix
  const objectKey = (key: string) => (prefix === "" ? key : `${prefix}/${key}`)
  const keyOfObject = (object: string) => (prefix === "" ? object : object.slice(prefix.length + 1))

  const loadSdk: Effect.Effect<Sdk> = yield* Effect.cached(Effect.gen(function*() {
    const module = yield* Effect.promise(() => import("@aws-sdk/client-s3"))
    const { makeS3Client } = yield* Effect.promise(() => import("./s3Client.ts"))
    const client = yield* makeS3Client(settings).pipe(Scope.provide(scope))
    return { module, client }
  }))

  const credentials = credentialsOf(settings, loadSdk)
  const target = yield* Effect.cached(targetOf(settings, Bucket, name, loadSdk))

  type Wire = { readonly wire: S3Wire; readonly bucket: BucketUrl }
  const loadWire: Effect.Effect<Wire, StorageError> = yield* Effect.cached(
    Effect.gen(function*() {
      const { region, url } = yield* target
      const wire = makeS3Wire({ bucket: url, region, credentials: yield* credentials })
      yield* Scope.addFinalizer(scope, Effect.sync(() => wire.close()))
      return { wire, bucket: url }
    })
  )

  const kmsConfigured = settings.sse?.algorithm === "aws:kms"
  // The context is built only when a request fails: nothing more is allocated on the way of a success.
  const errorFor = (operation: string, key: string | undefined) => (thrown: unknown) =>
    fromS3Failure({ location: name, bucket: Bucket, operation, key, sseKms: kmsConfigured }, s3FailureOf(thrown))

  /** One try of `run`: errors mapped at the boundary, transient ones retried, abortable on interruption. */
  const attempt = <A>(operation: string, key: string | undefined, run: (signal: AbortSignal) => Promise<A>) =>
    retry(Effect.tryPromise({ try: run, catch: errorFor(operation, key) }))

  const transport: S3Transport = {
    name,
    bucket: Bucket,
    objectKey,
    keyOfObject,
    errorFor,
    target,
    credentials,
    call: (operation, key, send) =>
      Effect.flatMap(loadSdk, (sdk) => attempt(operation, key, (signal) => send(sdk, signal))),
    request: (operation, key, build) =>
      Effect.flatMap(
        loadWire,
        ({ bucket, wire }) => attempt(operation, key, (signal) => wire.expectOk(build(bucket), signal))
      ),
    open: (operation, key, build, then) =>
      Effect.flatMap(
        loadWire,
        ({ bucket, wire }) => attempt(operation, key, (signal) => wire.open(build(bucket), signal).then(then))
      ),
    exchange: (key, build) =>
      Effect.flatMap(
        loadWire,
        ({ bucket, wire }) => attempt("probe", key, (signal) => wire.exchange(build(bucket), signal))
      )
  }
  return transport
})

/** Where an AWS bucket's requests go: the SDK's resolver knows every partition and region. */
const awsTarget = (
  client: S3Client,
  settings: S3Settings,
  bucket: string,
  name: string
): Effect.Effect<BucketTarget, StorageError> =>
  Effect.tryPromise({
    try: async () => {
      const resolved = await client.config.endpointProvider({
        Bucket: bucket,
        Region: settings.region,
        UseFIPS: await client.config.useFipsEndpoint(),
        UseDualStack: await client.config.useDualstackEndpoint(),
        Accelerate: settings.useAccelerate,
        ForcePathStyle: settings.forcePathStyle
      })
      type AuthScheme = { name?: string; signingRegion?: string }
      const scheme = (resolved.properties?.["authSchemes"] as ReadonlyArray<AuthScheme> | undefined)?.[0]
      if (scheme !== undefined && scheme.name !== "sigv4") {
        throw new Error(`the bucket needs ${scheme.name} signing (S3 Express directory buckets are not supported)`)
      }
      return { url: bucketUrlOf(resolved.url), region: scheme?.signingRegion ?? settings.region }
    },
    catch: (cause) => {
      const detail = cause instanceof Error ? cause.message : String(cause)
      return new StorageFailure({ location: name, operation: "open the bucket", detail, cause })
    }
  })
