import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import type { ServerSettings } from "@immich-storage/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { createServer } from "node:http"
import type { IncomingMessage, ServerOptions, ServerResponse } from "node:http"
import { ServerConfig } from "../ServerConfig.ts"
import { RETRY_AFTER_SECONDS } from "./ApiError.ts"
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

/** Ends the boot-time answers; the routes take over. */
export class Startup extends Context.Service<Startup, {
  readonly done: Effect.Effect<void>
}>()("@immich-storage/server/Startup") {}

const STARTING = JSON.stringify({
  message: "The server is starting; try again in a moment",
  error: "Service Unavailable",
  statusCode: 503
})

/** What a request gets while the server boots: it is not left hanging until the routes exist. */
const answerStarting = (_request: IncomingMessage, response: ServerResponse) => {
  const retryAfter = String(RETRY_AFTER_SECONDS)
  response.writeHead(503, { "content-type": "application/json", "retry-after": retryAfter, connection: "close" })
  response.end(STARTING)
}

/**
 * The HTTP port, opened as soon as the configuration is known: a server that cannot listen stops
 * before it creates a database or prints a key. Until the routes are served (`startupDoneLayer`),
 * every request is answered 503 with Retry-After.
 */
export const listenLayer = Layer.unwrap(Effect.gen(function*() {
  const settings = yield* ServerConfig
  const { host, port } = settings
  const server = createServer(nodeServerOptions(settings), answerStarting)
  const listening = NodeHttpServer.layer(() => server, { host, port })
  return Layer.effectContext(
    Layer.build(listening).pipe(
      Effect.catchTag(
        "ServeError",
        (error) => Effect.fail(new ListenFailed({ reason: describeListenFailure(host, port, error.cause) }))
      ),
      Effect.map(Context.add(Startup, {
        done: Effect.sync(() => void server.off("request", answerStarting))
      }))
    )
  )
}))

/** Built right before the routes: from here on the app answers. */
export const startupDoneLayer = Layer.effectDiscard(Effect.gen(function*() {
  yield* (yield* Startup).done
}))
