import * as Effect from "effect/Effect"
import * as Function from "effect/Function"
import { HttpMiddleware, HttpRouter } from "effect/http"
import * as IpNetwork from "effect/net/IpNetwork"
import { ServerConfig } from "../ServerConfig.ts"

/**
 * Behind the reverse proxies of `IMMICH_TRUSTED_PROXIES`, a request is what the proxy received: the client's
 * address from `X-Forwarded-For`, the scheme from `X-Forwarded-Proto`, the host from `X-Forwarded-Host`
 * (effect's `xForwardedHeaders`, which believes them only from a trusted peer). Without the setting the
 * headers are ignored: anyone could send them.
 */
export const trustedProxiesMiddleware = HttpRouter.middleware(
  Effect.gen(function*() {
    const { trustedProxies } = yield* ServerConfig
    // No proxy: nothing to do per request.
    if (trustedProxies.length === 0) return Function.identity
    return HttpMiddleware.xForwardedHeaders({ trustedProxies: trustedProxies.map(IpNetwork.fromStringUnsafe) })
  }),
  { global: true }
)
