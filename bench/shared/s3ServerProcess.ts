import { startS3Server } from "@immich-storage/testkit"

/** The test S3 server in its own process, so its memory and CPU are not counted as the client's. */
const server = await startS3Server()
process.stdout.write(`${JSON.stringify({ endpoint: server.endpoint })}\n`)
const stop = () => void server.stop().then(() => process.exit(0))
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
