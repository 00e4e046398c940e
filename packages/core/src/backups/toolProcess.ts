/**
 * The PostgreSQL client tools (`pg_dump`, `psql`) as scoped child processes, through effect's own
 * `ChildProcess` module: each one lives in the caller's scope and is killed when that scope closes
 * before it ended (interruption, a failed upload), its end is a typed value, and it sees only the
 * environment it needs. This process holds `S3_SECRET_ACCESS_KEY`, `IMMICH_ADMIN_API_KEY` and other
 * secrets; a child inheriting them could leak them (core dumps, `/proc/<pid>/environ`, a wrapper script).
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as ChildProcess from "effect/process/ChildProcess"
import { ChildProcessSpawner } from "effect/process/ChildProcessSpawner"
import type { ChildProcessHandle } from "effect/process/ChildProcessSpawner"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

/**
 * What the tools may see of this process's environment: the lookup path, the home folder (libpq reads
 * `~/.pgpass` and `~/.postgresql/` there), the locale of their messages, and libpq's TLS settings,
 * which `DB_*` cannot express.
 */
const PASSED_THROUGH = ["PATH", "HOME", "LANG", "LC_ALL", "LC_MESSAGES", "PGSSLMODE", "PGSSLROOTCERT"] as const

/**
 * A tool's whole environment. The password comes from the database settings; without one, from an
 * inherited `PGPASSWORD`, as postgres.js (the server's own connection) falls back to it.
 */
export const toolEnvironment = (
  password: Redacted.Redacted<string> | undefined,
  env: NodeJS.ProcessEnv = process.env
): Record<string, string | Redacted.Redacted<string>> => {
  const out: Record<string, string | Redacted.Redacted<string>> = {}
  for (const name of PASSED_THROUGH) {
    const value = env[name]
    if (value !== undefined) out[name] = value
  }
  const inherited = env.PGPASSWORD
  const secret = password ?? (inherited === undefined ? undefined : Redacted.make(inherited))
  if (secret !== undefined) out.PGPASSWORD = secret
  return out
}

/** How a tool ended. */
export type ToolExit =
  | { readonly _tag: "Exited"; readonly code: number }
  | { readonly _tag: "Killed"; readonly signal: string }

/** The tool could not be started at all (not installed, not on PATH). */
export class ToolNotStarted extends Data.TaggedError("ToolNotStarted")<{
  readonly tool: string
  readonly detail: string
}> {}

export interface RunningTool {
  readonly handle: ChildProcessHandle
  /** Waits for the tool to end; never fails. */
  readonly exit: Effect.Effect<ToolExit>
  /** The end of its error output, once that output closed: where a tool says what went wrong. */
  readonly stderrTail: Effect.Effect<string>
  /** Kills it now (SIGKILL) and waits until it is gone. */
  readonly kill: Effect.Effect<void>
}

const STDERR_KEPT = 8192

const exitOf = (handle: ChildProcessHandle): Effect.Effect<ToolExit> =>
  handle.exitCode.pipe(
    Effect.map((code): ToolExit => ({ _tag: "Exited", code })),
    // The spawner reports an end by signal as a failure whose cause's message names the signal.
    Effect.catch((error) => {
      const signal = /'(SIG\w+)'/.exec(`${error.message} ${String(error.cause)}`)?.[1]
      return Effect.succeed<ToolExit>({ _tag: "Killed", signal: signal ?? "unknown signal" })
    })
  )

/**
 * Starts `tool` in the caller's scope with only `env` (nothing inherited). Its stderr is read from the
 * start, so that a chatty tool never blocks on a full pipe.
 */
export const startTool = (
  tool: string,
  args: ReadonlyArray<string>,
  options: {
    readonly env: Record<string, string | Redacted.Redacted<string>>
    readonly stdin: "pipe" | "ignore"
    readonly stdout: "pipe" | "ignore"
  }
): Effect.Effect<RunningTool, ToolNotStarted, ChildProcessSpawner | Scope.Scope> =>
  Effect.gen(function*() {
    const spawner = yield* ChildProcessSpawner
    const command = ChildProcess.make(tool, args, {
      env: options.env,
      extendEnv: false,
      stdin: options.stdin,
      stdout: options.stdout,
      stderr: "pipe",
      // A dump or restore cut short is of no use: no grace period.
      killSignal: "SIGKILL"
    })
    const handle = yield* spawner.spawn(command).pipe(
      Effect.mapError((error) => new ToolNotStarted({ tool, detail: error.message }))
    )
    const decoder = new TextDecoder()
    const stderr = yield* Stream.runFold(
      handle.stderr,
      () => "",
      (kept, chunk) => (kept + decoder.decode(chunk, { stream: true })).slice(-STDERR_KEPT)
    ).pipe(Effect.orElseSucceed(() => ""), Effect.forkScoped)
    return {
      handle,
      exit: exitOf(handle),
      stderrTail: Fiber.join(stderr),
      kill: Effect.ignore(handle.kill({ killSignal: "SIGKILL" }))
    }
  })

/** Keeps the end of a tool's error output, which is where it says what went wrong. */
const tail = (text: string) => text.trim().split("\n").slice(-5).join(" / ")

/** Why a tool failed, in its own words (the end of its stderr); undefined when it exited 0. */
export const toolFailure = (tool: string, exit: ToolExit, stderr: string): string | undefined =>
  exit._tag === "Exited" && exit.code === 0
    ? undefined
    : `${tool} ${exit._tag === "Exited" ? `exited with ${exit.code}` : `was killed (${exit.signal})`}: ` +
      (tail(stderr) || "no message")

/** The message for a tool that could not be started. */
export const notStartedMessage = (error: ToolNotStarted): string =>
  `${error.tool} could not be started (${error.detail}); install postgresql-client`
