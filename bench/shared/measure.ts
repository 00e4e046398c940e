import { spawn } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const BENCH_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")

export interface Measurement {
  readonly seconds: number
  readonly peakRssMiB: number | undefined
  /** User + system CPU seconds of the measured process (and its children). */
  readonly cpuSeconds: number | undefined
}

/** GNU time's "%M %U %S" line: peak RSS in KiB, user and system seconds. */
const TIME_FORMAT = "%M %U %S"
const parseTimeLine = (stderr: string) => {
  const [kib, user, system] = (stderr.trim().split("\n").at(-1) ?? "").split(" ").map(Number)
  return {
    peakRssMiB: Number.isFinite(kib) ? kib! / 1024 : undefined,
    cpuSeconds: Number.isFinite(user) && Number.isFinite(system) ? user! + system! : undefined
  }
}

/** Runs a command and measures wall time, and peak RSS through GNU time when it is installed. */
export const measureCommand = (
  command: string,
  args: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv = process.env
): Promise<Measurement> =>
  new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn("/usr/bin/time", ["-f", TIME_FORMAT, command, ...args], {
      env,
      stdio: ["ignore", "ignore", "pipe"]
    })
    let stderr = ""
    child.stderr.on("data", (d) => (stderr += d))
    child.on("error", reject)
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      if (code !== 0) return reject(new Error(`${command} ${args.join(" ")} failed (${code}): ${stderr}`))
      resolve({ seconds, ...parseTimeLine(stderr) })
    })
  })

/** Runs one benchmark case script in its own Node process; it prints {seconds} and we read its peak RSS. */
export const measureCase = async (
  script: string,
  args: ReadonlyArray<string>,
  env?: NodeJS.ProcessEnv
): Promise<Measurement> => {
  const output: Array<string> = []
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(
      "/usr/bin/time",
      ["-f", TIME_FORMAT, process.execPath, path.join(BENCH_ROOT, script), ...args],
      {
        env: env ?? process.env,
        stdio: ["ignore", "pipe", "pipe"]
      }
    )
    let stderr = ""
    child.stdout.on("data", (d) => output.push(String(d)))
    child.stderr.on("data", (d) => (stderr += d))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stderr }))
  })
  if (result.code !== 0)
    throw new Error(`${script} ${args.join(" ")} failed (${result.code}):\n${output.join("")}\n${result.stderr}`)
  const { seconds } = JSON.parse(output.join("").trim().split("\n").at(-1)!) as { seconds: number }
  return { seconds, ...parseTimeLine(result.stderr) }
}

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

export const formatTable = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n")
}
