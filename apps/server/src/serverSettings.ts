export interface ServerSettings {
  readonly host: string
  readonly port: number
}

export const SERVER_ENV_VARIABLES = ["IMMICH_HOST", "IMMICH_PORT"] as const
export type ServerEnv = Partial<Record<typeof SERVER_ENV_VARIABLES[number], string>>

/** Immich's port. */
export const DEFAULT_PORT = 2283
/** Loopback unless told otherwise: exposing a photo library to the network is the user's decision. */
export const DEFAULT_HOST = "127.0.0.1"

export const parseServerEnv = (
  env: ServerEnv
): { readonly settings: ServerSettings; readonly problems: ReadonlyArray<{ readonly variable: string; readonly problem: string }> } => {
  const problems: Array<{ variable: string; problem: string }> = []
  const rawPort = env.IMMICH_PORT?.trim()
  let port = DEFAULT_PORT
  if (rawPort !== undefined && rawPort !== "") {
    port = Number(rawPort)
    if (!/^\d+$/.test(rawPort) || port > 65535) {
      problems.push({ variable: "IMMICH_PORT", problem: `"${rawPort}" is not a port; use a number from 1 to 65535 (0 picks a free one)` })
    }
  }
  const host = env.IMMICH_HOST?.trim() || DEFAULT_HOST
  return { settings: { host, port }, problems }
}
