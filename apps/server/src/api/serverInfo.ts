import { Database, IMMICH_API_VERSION, Repositories } from "@immich-storage/core"
import type { DatabaseError } from "@immich-storage/core"
import * as Effect from "effect/Effect"
import type { ServerAboutResponse, ServerConfigResponse, ServerFeaturesResponse } from "./browsingDtos.ts"

/**
 * What Immich's clients read before anything else (immich-go refuses a server without `server/about`), with
 * honest values: this server implements Immich's v3.2 API for storage and browsing, and has none of its
 * machine learning, OAuth, mail, map, search, trash or transcoding.
 */

/** `ServerAboutResponseDto`: the API version implemented; build fields are left out, as upstream does unset. */
export const serverAbout = (): typeof ServerAboutResponse.Type => ({
  version: `v${IMMICH_API_VERSION}`,
  versionUrl: `https://github.com/immich-app/immich/releases/tag/v${IMMICH_API_VERSION}`,
  licensed: false,
  nodejs: process.version
})

/** `ServerFeaturesDto`: password login and sidecars; everything that needs a part we do not run is off. */
export const serverFeatures = (): typeof ServerFeaturesResponse.Type => ({
  configFile: false,
  duplicateDetection: false,
  email: false,
  facialRecognition: false,
  importFaces: false,
  map: false,
  oauth: false,
  oauthAutoLaunch: false,
  ocr: false,
  passwordLogin: true,
  realtimeTranscoding: false,
  reverseGeocoding: false,
  search: false,
  sidecar: true,
  smartSearch: false,
  // Deleting removes an asset at once: there is no trash to restore from.
  trash: false
})

/**
 * `ServerConfigDto`. Initialised once an admin has a password: the first start creates an admin without one
 * (to hold the API key it prints), and until someone signs up as that admin (`POST /api/auth/admin-sign-up`,
 * open until then) web clients, ours and Immich's, offer the sign-up instead of the login. With no onboarding
 * steps here, an initialised server is onboarded. No trash and no delayed user deletion, so both delays are 0;
 * the map styles are upstream's defaults, unused while `features.map` is false.
 */
type ServerConfig = typeof ServerConfigResponse.Type
export const serverConfig: Effect.Effect<ServerConfig, DatabaseError, Database | Repositories> = Effect
  .gen(function*() {
    const db = yield* Database
    const { users } = yield* Repositories
    const initialized = yield* users.adminWithPassword(db.query)
    return {
      externalDomain: "",
      isInitialized: initialized,
      isOnboarded: initialized,
      loginPageMessage: "",
      maintenanceMode: false,
      mapDarkStyleUrl: "https://tiles.immich.cloud/v1/style/dark.json",
      mapLightStyleUrl: "https://tiles.immich.cloud/v1/style/light.json",
      minFaces: 3,
      oauthButtonText: "Login with OAuth",
      publicUsers: false,
      trashDays: 0,
      userDeleteDelay: 0
    }
  })
