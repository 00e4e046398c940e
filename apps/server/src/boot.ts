import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect, Layer } from "effect"
import { HttpRouter } from "effect/http"
import { createServer } from "node:http"
import { baseOf, checkMediaIntegrity, StorageConfig, StorageEngine } from "@immich-storage/core"
import { pingRoute } from "./routes.ts"
import { configLayer, ServerConfig } from "./ServerConfig.ts"

/**
 * Immich's boot-time folder check. Which folders were checked on earlier starts is remembered in the
 * database (Immich's `system-flags`); until the database service exists every start is judged by what
 * the folders themselves hold.
 */
const integrityLayer = Layer.effectDiscard(Effect.gen(function*() {
  const engine = yield* StorageEngine
  const settings = yield* StorageConfig
  const report = yield* checkMediaIntegrity(engine, { flagged: new Set(), ignoreErrors: settings.ignoreMountCheckErrors })
  yield* Effect.logInfo(`Media location ${baseOf(engine.location)} passed its integrity check (${report.checked.length} folders)`)
}))

const httpLayer = Layer.unwrap(Effect.gen(function*() {
  const { host, port } = yield* ServerConfig
  return HttpRouter.serve(pingRoute).pipe(Layer.provide(NodeHttpServer.layer(createServer, { host, port })))
}))

/** The server, in boot order: configuration, engine, integrity markers, then HTTP. */
export const serverLayer = httpLayer.pipe(
  Layer.provide(integrityLayer),
  Layer.provideMerge(StorageEngine.layer),
  Layer.provideMerge(configLayer)
)
