import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { spawn } from "node:child_process"
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

export const majorOf = (version: string): number => Number(/^(\d+)/.exec(version.trim())?.[1] ?? Number.NaN)

/** `pg_dump --version` → "15.19". */
export const pgDumpVersion = Effect.tryPromise({
  try: () =>
    new Promise<string>((resolve, reject) => {
      const child = spawn("pg_dump", ["--version"], { stdio: ["ignore", "pipe", "pipe"] })
      let out = ""
      child.stdout.on("data", (d) => (out += d))
      child.on("error", reject)
      child.on("close", () => resolve(/(\d+(?:\.\d+)?)/.exec(out)?.[1] ?? "unknown"))
    }),
  catch: (cause) => new DumpFailed({ database: "-", detail: `pg_dump is not installed or not on PATH (${String(cause)}); install postgresql-client` })
})

/** Refuses early when pg_dump is older than the server, which it cannot dump. */
export const checkDumpTool = (serverVersion: string) =>
  Effect.gen(function*() {
    const tool = yield* pgDumpVersion
    if (majorOf(tool) < majorOf(serverVersion)) return yield* new DumpToolMismatch({ toolVersion: tool, serverVersion })
    if (majorOf(tool) > majorOf(serverVersion)) {
      yield* Effect.logWarning(`pg_dump ${tool} is newer than the PostgreSQL ${serverVersion} server; its dumps may not restore into a server of version ${majorOf(serverVersion)}`)
    }
    return tool
  })

/**
 * `pg_dump --clean --if-exists` of one database, gzipped as it streams. The stream fails (and a put
 * consuming it leaves nothing behind) unless pg_dump exits 0 after its last byte.
 */
export const dumpStream = (settings: DatabaseSettings): Stream.Stream<Uint8Array, DumpFailed> =>
  Stream.unwrap(Effect.acquireRelease(
    Effect.sync(() => {
      const { args, env } = connection(settings)
      const child = spawn("pg_dump", [...args, "--clean", "--if-exists", "--dbname", settings.database], { env, stdio: ["ignore", "pipe", "pipe"] })
      let stderr = ""
      child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-8192)))
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>((resolve) => {
        child.on("error", (spawnError) => resolve({ code: null, signal: null, spawnError }))
        child.on("close", (code, signal) => resolve({ code, signal }))
      })
      const gzip = createGzip({ level: 6 })
      child.stdout.pipe(gzip)
      return { child, gzip, exited, stderr: () => stderr }
    }),
    ({ child }) => Effect.sync(() => void (child.exitCode === null && child.signalCode === null && child.kill("SIGKILL")))
  ).pipe(Effect.map(({ exited, gzip, stderr }) => {
    const database = describeDatabase(settings)
    const checkExit = Effect.promise(() => exited).pipe(Effect.flatMap(({ code, signal, spawnError }) =>
      code === 0
        ? Effect.void
        : Effect.fail(new DumpFailed({
          database,
          detail: spawnError !== undefined
            ? `pg_dump could not be started (${spawnError.message}); install postgresql-client`
            : `pg_dump ${signal === null ? `exited with ${code}` : `was killed (${signal})`}: ${tail(stderr()) || "no message"}`
        }))
    ))
    return Stream.concat(
      NodeStream.fromReadable<Uint8Array, DumpFailed>({ evaluate: () => gzip, onError: (cause) => new DumpFailed({ database, detail: String(cause) }) }),
      Stream.drain(Stream.fromEffect(checkExit))
    )
  }))).pipe(Stream.scoped)

/** Streams a gzipped dump through gunzip into `psql` against the target database, stopping at the first error. */
export const restoreStream = <E>(backup: string, gzipped: Stream.Stream<Uint8Array, E>, target: DatabaseSettings) =>
  Effect.gen(function*() {
    const { args, env } = connection(target)
    const targetName = describeDatabase(target)
    const child = spawn("psql", [...args, "--quiet", "--no-psqlrc", "--set", "ON_ERROR_STOP=1", "--dbname", target.database], {
      env,
      stdio: ["pipe", "ignore", "pipe"]
    })
    let stderr = ""
    child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-8192)))
    const exited = new Promise<number | null>((resolve) => {
      child.on("error", () => resolve(null))
      child.on("close", (code) => resolve(code))
    })
    const gunzip = createGunzip()
    gunzip.on("error", (error) => {
      stderr += `the backup is not a valid gzip file (${error.message})`
      child.kill("SIGKILL")
    })
    gunzip.pipe(child.stdin)
    child.stdin.on("error", () => undefined)
    const write = (chunk: Uint8Array) =>
      Effect.callback<void>((resume) => {
        if (gunzip.write(chunk)) resume(Effect.void)
        else gunzip.once("drain", () => resume(Effect.void))
      })
    yield* Stream.runForEach(gzipped, write).pipe(
      Effect.onError(() => Effect.sync(() => child.kill("SIGKILL")))
    )
    gunzip.end()
    const code = yield* Effect.promise(() => exited)
    if (code !== 0) return yield* new RestoreFailed({ backup, target: targetName, detail: `psql exited with ${code}: ${tail(stderr) || "no message"}` })
  })
