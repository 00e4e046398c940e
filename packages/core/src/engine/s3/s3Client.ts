import { S3Client } from "@aws-sdk/client-s3"
import { NodeHttpHandler } from "@smithy/node-http-handler"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { Agent as HttpAgent } from "node:http"
import { Agent as HttpsAgent } from "node:https"
import type { S3Settings } from "../../config/StorageSettings.ts"
import { SOCKETS } from "./s3RequestSettings.ts"

/**
 * Builds the one S3 client a process uses for a location, closed with its scope. The SDK's own
 * retries are off (`maxAttempts: 1`): `retry.ts` is the single retry policy.
 */
export const makeS3Client = (settings: S3Settings) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const checksums = settings.requestChecksums === "when_required" ? "WHEN_REQUIRED" : "WHEN_SUPPORTED"
      return new S3Client({
        region: settings.region,
        ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
        forcePathStyle: settings.forcePathStyle,
        useAccelerateEndpoint: settings.useAccelerate,
        ...(settings.credentials === undefined ? {} : {
          credentials: {
            accessKeyId: settings.credentials.accessKeyId,
            secretAccessKey: Redacted.value(settings.credentials.secretAccessKey)
          }
        }),
        requestChecksumCalculation: checksums,
        responseChecksumValidation: checksums,
        maxAttempts: 1,
        requestHandler: new NodeHttpHandler({
          httpAgent: new HttpAgent({ keepAlive: true, maxSockets: SOCKETS.maxSockets }),
          httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: SOCKETS.maxSockets }),
          connectionTimeout: SOCKETS.connectTimeoutMs,
          requestTimeout: SOCKETS.requestTimeoutMs
        })
      })
    }),
    (client) => Effect.sync(() => client.destroy())
  )
