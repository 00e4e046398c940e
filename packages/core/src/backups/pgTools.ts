import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type { ChildProcessSpawner } from "effect/process/ChildProcessSpawner"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import { createGunzip, createGzip } from "node:zlib"
import type { DatabaseSettings } from "../db/databaseSettings.ts"
import { describeDatabase } from "../db/databaseSettings.ts"
import { DumpFailed, DumpToolMismatch, RestoreFailed } from "./errors.ts"
import { notStartedMessage, startTool, toolEnvironment, toolFailure } from "./toolProcess.ts"

/** libpq connection for the client tools; the password travels in the environment, never on the command line. */
const connection = (settings: DatabaseSettings) => ({
  args: ["--host", settings.host, "--port", String(settings.port), "--username", settings.user, "--no-password"],
  env: toolEnvironment(settings.password)
})

export const majorOf = (version: string): number => Number(/^(\d+)/.exec(version.trim())?.[1] ?? Number.NaN)

/** `pg_dump --version` → "15.19"; `database` is the one about to be dumped, for the message. */
export const pgDumpVersion = (database: string): Effect.Effect<string, DumpFailed, ChildProcessSpawner> =>
  Effect.scoped(Effect.gen(function*() {
    const options = { env: toolEnvironment(undefined), stdin: "ignore", stdout: "pipe" } as const
    const tool = yield* startTool("pg_dump", ["--version"], options)
    const out = yield* Stream.mkString(Stream.decodeText(tool.handle.stdout)).pipe(Effect.orElseSucceed(() => ""))
    yield* tool.exit
    return /(\d+(?:\.\d+)?)/.exec(out)?.[1] ?? "unknown"
  })).pipe(
    Effect.catchTag("ToolNotStarted", (error) => {
      const detail = `pg_dump is not installed or not on PATH (${error.detail}); install postgresql-client`
      return Effect.fail(new DumpFailed({ database, detail }))
    })
  )

/** Refuses early when pg_dump is older than the server, which it cannot dump. */
export const checkDumpTool = (serverVersion: string, database: string) =>
  Effect.gen(function*() {
    const tool = yield* pgDumpVersion(database)
    if (majorOf(tool) < majorOf(serverVersion)) return yield* new DumpToolMismatch({ toolVersion: tool, serverVersion })
    if (majorOf(tool) > majorOf(serverVersion)) {
      yield* Effect.logWarning(
        `pg_dump ${tool} is newer than the PostgreSQL ${serverVersion} server; ` +
          `its dumps may not restore into a server of version ${majorOf(serverVersion)}`
      )
    }
    return tool
  })

/**
 * `pg_dump --clean --if-exists` of one database, gzipped as it streams. The stream fails (and a put
 * consuming it leaves nothing behind) unless pg_dump exits 0 after its last byte. When pg_dump ends
 * early its output ends, so the stream ends too, with pg_dump's message; when the stream is left early
 * (gzip failed, the write failed) the stream's scope closes and pg_dump is killed.
 */
export const dumpStream = (settings: DatabaseSettings): Stream.Stream<Uint8Array, DumpFailed, ChildProcessSpawner> =>
  Stream.unwrap(Effect.gen(function*() {
    const database = describeDatabase(settings)
    const failed = (detail: string) => new DumpFailed({ database, detail })
    const { args, env } = connection(settings)
    const tool = yield* startTool("pg_dump", [...args, "--clean", "--if-exists", "--dbname", settings.database], {
      env,
      stdin: "ignore",
      stdout: "pipe"
    }).pipe(Effect.mapError((error) => failed(notStartedMessage(error))))
    const checkExit = Effect.gen(function*() {
      const failure = toolFailure("pg_dump", yield* tool.exit, yield* tool.stderrTail)
      if (failure !== undefined) return yield* failed(failure)
    })
    const gzipped = tool.handle.stdout.pipe(
      Stream.mapError((error) => failed(error.message)),
      NodeStream.pipeThroughDuplex({
        evaluate: () => createGzip({ level: 6 }),
        onError: (cause) => failed(String(cause))
      })
    )
    return Stream.concat(gzipped, Stream.drain(Stream.fromEffect(checkExit)))
  }))

/** gunzip refused the backup's bytes. */
class NotGzip extends Data.TaggedError("NotGzip")<{ readonly detail: string }> {}
/** psql closed its input: its exit status says why. */
class InputClosed extends Data.TaggedError("InputClosed")<{}> {}

/**
 * Streams a gzipped dump through gunzip into `psql` against the target database, stopping at the first
 * error. The pipeline ends when any member ends: psql exiting early (a missing or unreachable database)
 * stops the feeding at once, rather than leaving a write waiting for room in a pipe nobody reads.
 */
export const restoreStream = <E>(backup: string, gzipped: Stream.Stream<Uint8Array, E>, target: DatabaseSettings) =>
  Effect.scoped(Effect.gen(function*() {
    const failed = (detail: string) => new RestoreFailed({ backup, target: describeDatabase(target), detail })
    const { args, env } = connection(target)
    const psqlArgs = [...args, "--quiet", "--no-psqlrc", "--set", "ON_ERROR_STOP=1", "--dbname", target.database]
    const tool = yield* startTool("psql", psqlArgs, {
      env,
      stdin: "pipe",
      stdout: "ignore"
    }).pipe(Effect.mapError((error) => failed(notStartedMessage(error))))
    const sql = gzipped.pipe(
      NodeStream.pipeThroughDuplex({
        evaluate: () => createGunzip(),
        onError: (cause) => new NotGzip({ detail: cause instanceof Error ? cause.message : String(cause) })
      })
    )
    const feed = Stream.run(sql, tool.handle.stdin.pipe(Sink.mapError(() => new InputClosed()))).pipe(
      Effect.as(true),
      Effect.catchIf((error): error is InputClosed => error instanceof InputClosed, () => Effect.succeed(false))
    )
    // Whichever ends first ends the other: the feed interrupted when psql is gone, psql killed when the feed fails.
    const fed = yield* Effect.raceFirst(feed, Effect.as(tool.exit, false)).pipe(
      Effect.onError(() => tool.kill),
      Effect.catchIf(
        (error): error is NotGzip => error instanceof NotGzip,
        (error) => Effect.fail(failed(`the backup is not a valid gzip file (${error.detail})`))
      )
    )
    const failure = toolFailure("psql", yield* tool.exit, yield* tool.stderrTail) ??
      (fed ? undefined : "psql ended before it had read the whole backup")
    if (failure !== undefined) return yield* failed(failure)
  }))
