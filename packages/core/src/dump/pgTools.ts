import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { createGunzip, createGzip } from "node:zlib"
import type { DatabaseSettings } from "../db/databaseSettings.ts"
import { describeDatabase } from "../db/databaseSettings.ts"
import { DumpFailed, DumpToolMismatch, RestoreFailed } from "./errors.ts"

/** libpq connection for the client tools; the password travels in the environment, never on the command line. */
const connection = (settings: DatabaseSettings) => ({
  args: ["--host", settings.host, "--port", String(settings.port), "--username", settings.user, "--no-password"],
  env: { ...process.env, ...(settings.password === undefined ? {} : { PGPASSWORD: Redacted.value(settings.password) }) }
})

/** Keeps the end of a tool's error output, which is where it says what went wrong. */
const tail = (text: string) => text.trim().split("\n").slice(-5).join(" / ")

interface ChildExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly spawnError?: Error
}

/** Follows one child of a pipeline: when it ends (however it ends), and the end of its error output. */
const watch = (child: ChildProcess) => {
  let stderr = ""
  child.stderr?.on("data", (d) => (stderr = (stderr + d).slice(-8192)))
  const exited = new Promise<ChildExit>((resolve) => {
    child.on("error", (spawnError) => resolve({ code: null, signal: null, spawnError }))
    child.on("close", (code, signal) => resolve({ code, signal }))
  })
  return { exited, stderr: () => stderr }
}

/** Why a tool failed, with its own words (the end of its stderr); undefined when it exited 0. */
const failureOf = (tool: string, exit: ChildExit, stderr: string): string | undefined =>
  exit.spawnError !== undefined
    ? `${tool} could not be started (${exit.spawnError.message}); install postgresql-client`
    : exit.code === 0
    ? undefined
    : `${tool} ${exit.signal === null ? `exited with ${exit.code}` : `was killed (${exit.signal})`}: ` +
      (tail(stderr) || "no message")

export const majorOf = (version: string): number => Number(/^(\d+)/.exec(version.trim())?.[1] ?? Number.NaN)

/** `pg_dump --version` → "15.19"; `database` is the one about to be dumped, for the message. */
export const pgDumpVersion = (database: string) => Effect.tryPromise({
  try: () =>
    new Promise<string>((resolve, reject) => {
      const child = spawn("pg_dump", ["--version"], { stdio: ["ignore", "pipe", "pipe"] })
      let out = ""
      child.stdout.on("data", (d) => (out += d))
      child.on("error", reject)
      child.on("close", () => resolve(/(\d+(?:\.\d+)?)/.exec(out)?.[1] ?? "unknown"))
    }),
  catch: (cause) => new DumpFailed({ database, detail: `pg_dump is not installed or not on PATH (${String(cause)}); install postgresql-client` })
})

/** Refuses early when pg_dump is older than the server, which it cannot dump. */
export const checkDumpTool = (serverVersion: string, database: string) =>
  Effect.gen(function*() {
    const tool = yield* pgDumpVersion(database)
    if (majorOf(tool) < majorOf(serverVersion)) return yield* new DumpToolMismatch({ toolVersion: tool, serverVersion })
    if (majorOf(tool) > majorOf(serverVersion)) {
      yield* Effect.logWarning(`pg_dump ${tool} is newer than the PostgreSQL ${serverVersion} server; its dumps may not restore into a server of version ${majorOf(serverVersion)}`)
    }
    return tool
  })

/**
 * `pg_dump --clean --if-exists` of one database, gzipped as it streams. The stream fails (and a put
 * consuming it leaves nothing behind) unless pg_dump exits 0 after its last byte. When pg_dump ends
 * early its output ends, so the stream ends too, with pg_dump's message; when the stream is left early
 * (gzip failed, the write failed) pg_dump is killed.
 */
export const dumpStream = (settings: DatabaseSettings): Stream.Stream<Uint8Array, DumpFailed> =>
  Stream.unwrap(Effect.acquireRelease(
    Effect.sync(() => {
      const { args, env } = connection(settings)
      const child = spawn("pg_dump", [...args, "--clean", "--if-exists", "--dbname", settings.database], { env, stdio: ["ignore", "pipe", "pipe"] })
      const gzip = createGzip({ level: 6 })
      child.stdout.pipe(gzip)
      return { child, gzip, ...watch(child) }
    }),
    ({ child }) => Effect.sync(() => void (child.exitCode === null && child.signalCode === null && child.kill("SIGKILL")))
  ).pipe(Effect.map(({ exited, gzip, stderr }) => {
    const database = describeDatabase(settings)
    const checkExit = Effect.promise(() => exited).pipe(Effect.flatMap((exit) => {
      const failure = failureOf("pg_dump", exit, stderr())
      return failure === undefined ? Effect.void : Effect.fail(new DumpFailed({ database, detail: failure }))
    }))
    return Stream.concat(
      NodeStream.fromReadable<Uint8Array, DumpFailed>({ evaluate: () => gzip, onError: (cause) => new DumpFailed({ database, detail: String(cause) }) }),
      Stream.drain(Stream.fromEffect(checkExit))
    )
  }))).pipe(Stream.scoped)

/**
 * Streams a gzipped dump through gunzip into `psql` against the target database, stopping at the first
 * error. The pipeline ends when any member ends: psql exiting early (a missing or unreachable database)
 * stops the feeding at once, rather than leaving a write waiting for room in a pipe nobody reads.
 */
export const restoreStream = <E>(backup: string, gzipped: Stream.Stream<Uint8Array, E>, target: DatabaseSettings) =>
  Effect.gen(function*() {
    const { args, env } = connection(target)
    const child = spawn("psql", [...args, "--quiet", "--no-psqlrc", "--set", "ON_ERROR_STOP=1", "--dbname", target.database], {
      env,
      stdio: ["pipe", "ignore", "pipe"]
    })
    const { exited, stderr } = watch(child)
    const kill = Effect.sync(() => void (child.exitCode === null && child.signalCode === null && child.kill("SIGKILL")))
    let gunzipFailure: string | undefined
    const gunzip = createGunzip()
    gunzip.on("error", (error) => {
      gunzipFailure = `the backup is not a valid gzip file (${error.message})`
      child.kill("SIGKILL")
    })
    gunzip.pipe(child.stdin)
    child.stdin.on("error", () => undefined)
    const write = (chunk: Uint8Array) =>
      Effect.callback<void>((resume) => {
        if (gunzip.write(chunk)) return resume(Effect.void)
        const drained = () => resume(Effect.void)
        gunzip.once("drain", drained)
        return Effect.sync(() => void gunzip.off("drain", drained))
      })
    const feed = Stream.runForEach(gzipped, write).pipe(Effect.andThen(Effect.sync(() => void gunzip.end())), Effect.as(true))
    // Whichever ends first ends the other: the feed interrupted when psql is gone, psql killed when the feed fails.
    const fed = yield* Effect.raceFirst(feed, Effect.promise(() => exited).pipe(Effect.as(false))).pipe(Effect.onError(() => kill))
    if (!fed) gunzip.destroy()
    const exit = yield* Effect.promise(() => exited)
    const failure = gunzipFailure ?? failureOf("psql", exit, stderr()) ??
      (fed ? undefined : "psql ended before it had read the whole backup")
    if (failure !== undefined) return yield* new RestoreFailed({ backup, target: describeDatabase(target), detail: failure })
  })
