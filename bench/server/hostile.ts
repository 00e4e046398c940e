import { processMemory, sendBulkCheck, sendFormFields } from "@immich-storage/testkit"
import type { Answer, RunningServer } from "@immich-storage/testkit"

const MB = 1_000_000

/** The requests of issue 10 that took the server to 0.8-2 GB before the limits. */
interface HostileCase {
  readonly name: string
  readonly send: (url: string, key: string) => Promise<ReadonlyArray<Answer>>
}

const CASES: ReadonlyArray<HostileCase> = [
  { name: "60 text fields of 9 MB", send: async (url, key) => [await sendFormFields(url, key, 60, 9 * MB)] },
  {
    name: "three such uploads at once",
    send: (url, key) => Promise.all([1, 2, 3].map(() => sendFormFields(url, key, 60, 9 * MB)))
  },
  { name: "a 134 MB bulk-upload-check (chunked)", send: async (url, key) => [await sendBulkCheck(url, key, 134 * MB)] }
]

export interface HostileFigure {
  readonly name: string
  readonly idleMiB: number
  readonly peakMiB: number
  readonly statuses: string
}

/**
 * Each hostile case against a freshly started server, so that its peak (VmHWM, the kernel's own
 * high-water mark of resident memory) is that case's: idle RSS is read after one authenticated request.
 */
export const measureHostile = async (
  start: () => Promise<RunningServer>,
  key: string
): Promise<ReadonlyArray<HostileFigure>> => {
  const figures: Array<HostileFigure> = []
  for (const hostile of CASES) {
    const server = await start()
    try {
      const pid = server.process.pid!
      await fetch(`${server.url}/api/users/me`, { headers: { "x-api-key": key } })
      const idle = await processMemory(pid)
      const answers = await hostile.send(server.url, key)
      const after = await processMemory(pid)
      const statuses = answers.map((a) => (a === "reset" ? "reset" : String(a.status))).join(", ")
      figures.push({ name: hostile.name, idleMiB: idle.rssMiB, peakMiB: after.peakMiB, statuses })
    } finally {
      await server.stop()
    }
  }
  return figures
}
