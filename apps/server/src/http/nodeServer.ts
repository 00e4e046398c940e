import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { createServer } from "node:http"
import type { ServerOptions } from "node:http"
import type { ServerSettings } from "../serverSettings.ts"
import { ServerConfig } from "../ServerConfig.ts"
import { describeListenFailure, ListenFailed } from "./listenAddress.ts"

/**
 * Node's timeouts as this server needs them. Node cuts any request after 300 s by default
 * (`requestTimeout`): a video on a home uplink takes an hour, so there is no total limit; a stalled
 * upload body is ended by the upload itself (`IMMICH_UPLOAD_IDLE_TIMEOUT`). Headers stay short
 * (`IMMICH_HEADERS_TIMEOUT`), checked often enough that the limit means what it says.
 */
export const nodeServerOptions = (settings: Pick<ServerSettings, "headersTimeoutMs">): ServerOptions => ({
  requestTimeout: 0,
  headersTimeout: settings.headersTimeoutMs,
  connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(settings.headersTimeoutMs / 4)))
})

/**
 * The HTTP port, opened as soon as the configuration is known: a server that cannot listen stops
 * before it creates a database or prints a key. Requests are answered once the routes are served.
 */
export const listenLayer = Layer.unwrap(Effect.gen(function*() {
  const settings = yield* ServerConfig
  const { host, port } = settings
  const listening = NodeHttpServer.layer(() => createServer(nodeServerOptions(settings)), { host, port })
  return Layer.effectContext(Layer.build(listening).pipe(
    Effect.catchTag("ServeError", (error) => Effect.fail(new ListenFailed({ reason: describeListenFailure(host, port, error.cause) })))
  ))
}))
