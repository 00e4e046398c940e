/**
 * The local walk in a thread of its own (see `walkInThread`): it answers each "next" with the walk's next
 * batch of files, as columns (keys, sizes, times), or with `done`, or with the error that stopped it.
 */
import { parentPort, workerData } from "node:worker_threads"
import { makeFileMd5 } from "./fileMd5.ts"
import { insideOf } from "./insideRoot.ts"
import { walk } from "./localWalk.ts"
import type { WalkReply, WalkRequest } from "./walkThread.ts"

const { after, md5, prefix, realRoot, slowStatMs } = workerData as WalkRequest
const port = parentPort!
const batches = walk(realRoot, prefix, insideOf(realRoot), slowStatMs, after, md5 === true ? makeFileMd5() : undefined)

const step = async (): Promise<WalkReply> => {
  try {
    const next = await batches.next()
    if (next.done === true) return { _tag: "Done" }
    const files = next.value
    return {
      _tag: "Files",
      keys: files.map((file) => file.key),
      sizes: files.map((file) => file.size),
      times: files.map((file) => file.mtimeMs),
      md5s: md5 === true ? files.map((file) => file.md5) : undefined
    }
  } catch (error) {
    const { code, message, path, syscall } = error as NodeJS.ErrnoException
    return { _tag: "Failed", message, code, path, syscall }
  }
}

// Requests are answered one after the other, in order, whenever they come.
let answering: Promise<void> = Promise.resolve()
port.on("message", () => {
  answering = answering.then(async () => port.postMessage(await step()))
})
