import { buildApp } from "fauxqs"

export interface RunningS3Server {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string
  readonly stop: () => Promise<void>
}

/**
 * Starts a real S3-compatible HTTP server (fauxqs, objects in memory) on 127.0.0.1 with an ephemeral
 * port. Its own `startFauxqs` binds 0.0.0.0, so the app is built and bound here instead.
 */
export const startS3Server = async (): Promise<RunningS3Server> => {
  const app = buildApp({ logger: false, relaxedRules: { disableMinCopySourceSize: true } })
  const address = await app.listen({ port: 0, host: "127.0.0.1" })
  return { endpoint: address.replace("localhost", "127.0.0.1"), stop: () => app.close() }
}
