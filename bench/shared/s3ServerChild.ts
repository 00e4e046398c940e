import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3"
import { spawn } from "node:child_process"
import { once } from "node:events"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { BENCH_ROOT } from "./measure.ts"

export interface S3ServerChild {
  readonly endpoint: string
  readonly pid: number
  /** The server's CPU seconds so far, from /proc: shows when a case is bound by the server. */
  readonly cpuSeconds: () => Promise<number>
  readonly stop: () => void
}

/**
 * The test S3 server in a process of its own (so its CPU and memory are not counted as the client's),
 * with `buckets` created on it.
 */
export const startS3ServerChild = async (...buckets: ReadonlyArray<string>): Promise<S3ServerChild> => {
  const child = spawn(process.execPath, [path.join(BENCH_ROOT, "shared/s3ServerProcess.ts")], {
    stdio: ["ignore", "pipe", "inherit"]
  })
  const [line] = await once(child.stdout, "data") as [Buffer]
  const endpoint = (JSON.parse(line.toString()) as { endpoint: string }).endpoint
  const client = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" }
  })
  for (const Bucket of buckets) await client.send(new CreateBucketCommand({ Bucket }))
  client.destroy()
  const cpuSeconds = async () => {
    const stat = (await fs.readFile(`/proc/${child.pid}/stat`, "utf8")).split(") ")[1]!.split(" ")
    return (Number(stat[11]) + Number(stat[12])) / 100
  }
  return { endpoint, pid: child.pid!, cpuSeconds, stop: () => void child.kill("SIGTERM") }
}
