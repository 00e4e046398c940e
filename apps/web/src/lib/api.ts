import type {
  DatabaseBackupDto,
  LoginResponseDto,
  ServerConfigDto,
  StorageStatusDto,
  TimeBucketAssetResponseDto,
  TimeBucketsResponseDto,
  UserResponse
} from "./dtos.ts"

/** An answer other than 2xx, with Immich's `message` when the body has one. */
export class ApiError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

const messageOf = async (response: Response): Promise<string> => {
  try {
    const body = (await response.json()) as { message?: unknown }
    const message = Array.isArray(body.message) ? body.message.join(", ") : body.message
    return typeof message === "string" ? message : response.statusText
  } catch {
    return response.statusText || `HTTP ${response.status}`
  }
}

/** Fired when the server refuses the session (logged out elsewhere, expired): the page shows the login. */
export const SESSION_ENDED = "immich:session-ended"

/**
 * Every call is same-origin and authenticated by the session cookie the login set (HttpOnly: the page never
 * sees or stores a token).
 */
const call = async <A>(method: string, path: string, body?: unknown): Promise<A> => {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  if (response.status === 401 && path !== "/api/auth/login") dispatchEvent(new Event(SESSION_ENDED))
  if (!response.ok) throw new ApiError(response.status, await messageOf(response))
  const text = await response.text()
  return (text === "" ? undefined : JSON.parse(text)) as A
}

export const api = {
  serverConfig: () => call<ServerConfigDto>("GET", "/api/server/config"),
  me: () => call<UserResponse>("GET", "/api/users/me"),
  login: (email: string, password: string) => call<LoginResponseDto>("POST", "/api/auth/login", { email, password }),
  signUpAdmin: (name: string, email: string, password: string) =>
    call<unknown>("POST", "/api/auth/admin-sign-up", { name, email, password }),
  logout: () => call<unknown>("POST", "/api/auth/logout"),
  buckets: () => call<Array<TimeBucketsResponseDto>>("GET", "/api/timeline/buckets"),
  bucket: (timeBucket: string) =>
    call<TimeBucketAssetResponseDto>("GET", `/api/timeline/bucket?timeBucket=${encodeURIComponent(timeBucket)}`),
  deleteAssets: (ids: ReadonlyArray<string>) => call<void>("DELETE", "/api/assets", { ids, force: true }),
  storage: () => call<StorageStatusDto>("GET", "/api/admin/storage"),
  backups: () => call<{ backups: Array<DatabaseBackupDto> }>("GET", "/api/admin/database-backups"),
  backUpNow: () => call<void>("POST", "/api/jobs", { name: "backup-database" })
}

/**
 * The month counts asked for at start, beside `users/me` rather than after it: the timeline's first screen
 * waits one round trip less. Taken once; a 401 (nobody logged in) is dropped and the timeline asks again.
 */
let prefetchedBuckets: Promise<Array<TimeBucketsResponseDto>> | undefined
/** The newest month, asked for as soon as the counts name it (it is the top of the first screen). */
let prefetchedMonth: { timeBucket: string; assets: Promise<TimeBucketAssetResponseDto> } | undefined
export const prefetchBuckets = () => {
  // Immich's readable companion of the HttpOnly session cookie: without it nobody is logged in.
  if (!document.cookie.split("; ").includes("immich_is_authenticated=true")) return
  prefetchedBuckets = api.buckets()
  prefetchedBuckets.then((buckets) => {
    const newest = buckets[0]?.timeBucket
    if (newest === undefined) return
    prefetchedMonth = { timeBucket: newest, assets: api.bucket(newest) }
    prefetchedMonth.assets.catch(() => undefined)
  }, () => undefined)
}
/** A month's assets, from the prefetch when it is that month (taken once). */
export const takeMonth = (timeBucket: string): Promise<TimeBucketAssetResponseDto> => {
  const month = prefetchedMonth
  if (month?.timeBucket !== timeBucket) return api.bucket(timeBucket)
  prefetchedMonth = undefined
  return month.assets.catch(() => api.bucket(timeBucket))
}
export const takePrefetchedBuckets = (): Promise<Array<TimeBucketsResponseDto>> => {
  const taken = prefetchedBuckets
  prefetchedBuckets = undefined
  return taken === undefined ? api.buckets() : taken.catch(() => api.buckets())
}

export const thumbnailUrl = (id: string, size: "thumbnail" | "preview" | "fullsize" = "thumbnail") =>
  `/api/assets/${id}/thumbnail?size=${size}`
export const originalUrl = (id: string) => `/api/assets/${id}/original`
export const playbackUrl = (id: string) => `/api/assets/${id}/video/playback`
