import { Worker } from "node:worker_threads"
import { insideOf } from "./insideRoot.ts"
import { walk } from "./localWalk.ts"
import type { ObjectInfo } from "./StorageEngine.ts"

export interface WalkRequest {
  readonly realRoot: string
  readonly prefix: string
  readonly slowStatMs: number
  /** Only the files after this key. */
  readonly after?: string | undefined
  /** Read and hash every file too (see `ListOptions.md5`). */
  readonly md5?: boolean | undefined
}

export type WalkReply =
  | {
    readonly _tag: "Files"
    readonly keys: Array<string>
    readonly sizes: Array<number>
    readonly times: Array<number>
    readonly md5s: Array<string | undefined> | undefined
  }
  | { readonly _tag: "Done" }
  | {
    readonly _tag: "Failed"
    readonly message: string
    readonly code: string | undefined
    readonly path: string | undefined
    readonly syscall: string | undefined
  }

/** Batches the thread may walk ahead of the reader: it keeps walking while the reader works on one. */
const BATCHES_AHEAD = 2

const errorOf = (reply: Extract<WalkReply, { _tag: "Failed" }>): NodeJS.ErrnoException =>
  Object.assign(new Error(reply.message), { code: reply.code, path: reply.path, syscall: reply.syscall })

const infoOf = (key: string, size: number, mtimeMs: number, md5: string | undefined): ObjectInfo => ({
  key,
  size,
  // Rounded, as Node's `stats.mtime` is: the engine's `stat` and its listing give the same time.
  lastModified: new Date(Math.round(mtimeMs)),
  etag: undefined,
  ...(md5 === undefined ? {} : { listedMd5: md5 })
})

/** Files walked on the calling thread before the rest of the walk moves to a thread of its own. */
export const HAND_OFF_AFTER = 10_000

/**
 * The local walk, in byte order of keys: on the calling thread for a small tree, and for a large one, after
 * HAND_OFF_AFTER files, in a worker thread (`walkInThread`). Starting a thread costs about 0.15 s, which a
 * small sync would feel; in a large one, the walk's system calls (a readdir per folder, a stat per file)
 * were half of the main thread's work, which also parses the S3 listing and merges the two. When files are
 * hashed too (`md5`), all of the walk is in the thread.
 */
export async function* walkLocal(
  request: WalkRequest,
  handOffAfter = HAND_OFF_AFTER
): AsyncGenerator<ReadonlyArray<ObjectInfo>> {
  const { prefix, realRoot, slowStatMs } = request
  let walked = 0
  let last = request.after
  if (request.md5 === true) handOffAfter = 0
  if (handOffAfter > 0) {
    for await (const files of walk(realRoot, prefix, insideOf(realRoot), slowStatMs, request.after)) {
      yield files.map((file) => infoOf(file.key, file.size, file.mtimeMs, undefined))
      walked += files.length
      last = files.at(-1)?.key
      if (walked >= handOffAfter) break
    }
  }
  if (walked >= handOffAfter) yield* walkInThread({ ...request, after: last })
}

/**
 * The local walk (`walk`) in a worker thread, files after `request.after`. The thread stays at most
 * BATCHES_AHEAD batches ahead, and is stopped when the reader stops.
 */
export async function* walkInThread(request: WalkRequest): AsyncGenerator<ReadonlyArray<ObjectInfo>> {
  const worker = new Worker(new URL("./walkWorker.js", import.meta.url), {
    workerData: request,
    // Where Node runs without V8 flags (the server); the CLI's `--max-semi-space-size` takes precedence.
    resourceLimits: { maxYoungGenerationSizeMb: 8 }
  })
  const replies: Array<WalkReply | Error> = []
  let wake: (() => void) | undefined
  const arrive = (reply: WalkReply | Error) => {
    replies.push(reply)
    wake?.()
  }
  worker.on("message", arrive)
  worker.on("error", arrive)
  try {
    for (let i = 0; i < BATCHES_AHEAD; i++) worker.postMessage("next")
    for (;;) {
      while (replies.length === 0) await new Promise<void>((resolve) => (wake = resolve))
      const reply = replies.shift()!
      if (reply instanceof Error) throw reply
      if (reply._tag === "Failed") throw errorOf(reply)
      if (reply._tag === "Done") return
      worker.postMessage("next")
      yield reply.keys.map((key, i) => infoOf(key, reply.sizes[i]!, reply.times[i]!, reply.md5s?.[i]))
    }
  } finally {
    await worker.terminate()
  }
}
