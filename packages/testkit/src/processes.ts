import { spawn } from "node:child_process"
import type { ChildProcess, ChildProcessWithoutNullStreams } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")

/** The entry points, relative to the repository. */
export const SERVER_MAIN = "apps/server/src/main.js"
export const CLI_MAIN = "apps/cli/src/main.js"

/** The parent's environment minus everything this project reads, so a developer's shell cannot leak in. */
const cleanEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(IMMICH_|S3_|AWS_|DB_)/.test(name)))

export interface Finished {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface ScriptOptions {
  /** The working directory: where relative paths and `.env` are read. Default: an empty folder. */
  readonly cwd?: string
}

/**
 * The default working directory of the processes started here: empty, so that a developer's `.env` in the
 * repository (the server and the CLI read `.env` from where they run) never reaches a test.
 */
let emptyCwd: string | undefined
const defaultCwd = (): string => {
  if (emptyCwd === undefined) {
    const dir = mkdtempSync(path.join(tmpdir(), "immich-storage-cwd-"))
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }))
    emptyCwd = dir
  }
  return emptyCwd
}

/** Starts a TypeScript entry point of this repo with the current Node, in a clean environment plus `env`. */
export const spawnScript = (
  script: string,
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  options: ScriptOptions = {}
): ChildProcessWithoutNullStreams =>
  spawn(process.execPath, [path.join(REPO_ROOT, script), ...args], {
    env: { ...cleanEnv(), ...env },
    cwd: options.cwd ?? defaultCwd()
  })

/** Runs a TypeScript entry point of this repo with the current Node and waits for it to exit. */
export const runScript = (
  script: string,
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  options: ScriptOptions = {}
): Promise<Finished> =>
  new Promise((resolve, reject) => {
    const child = spawnScript(script, args, env, options)
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

export interface RunningServer {
  readonly url: string
  readonly process: ChildProcess
  readonly output: () => string
  /** Sends SIGTERM and waits for the exit code. */
  readonly stop: () => Promise<number | null>
}

/** Starts the server app and resolves once it logs the address it listens on (or rejects with its output). */
export const startServer = (
  env: Record<string, string>,
  timeoutMs = 30_000,
  options: ScriptOptions = {}
): Promise<RunningServer> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, SERVER_MAIN)], {
      env: { ...cleanEnv(), IMMICH_PORT: "0", ...env },
      cwd: options.cwd ?? defaultCwd()
    })
    let output = ""
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`server did not start in ${timeoutMs} ms:\n${output}`))
    }, timeoutMs)
    const onData = (data: Buffer) => {
      output += data.toString()
      const match = /Listening on (http:\/\/[\d.]+:\d+)/.exec(output)
      if (match !== null) {
        clearTimeout(timer)
        resolve({
          url: match[1]!,
          process: child,
          output: () => output,
          stop: () => {
            child.kill("SIGTERM")
            return exited
          }
        })
      }
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code} before listening:\n${output}`))
    })
  })
