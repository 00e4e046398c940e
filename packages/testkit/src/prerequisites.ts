import { accessSync, constants } from "node:fs"
import * as path from "node:path"
import postgres from "postgres"

/**
 * What the tests and benchmarks run besides Node, and how to install each on Debian. A test that needs
 * one checks it first, so a fresh machine gets this sentence instead of `spawn … ENOENT`.
 */
export interface Tool {
  /** An absolute path (Debian's own binary, when another may come first on PATH), or a name looked up on PATH. */
  readonly command: string
  readonly missing: string
}

export const TOOLS = {
  aws: { command: "/usr/bin/aws", missing: "Debian's awscli is missing (/usr/bin/aws): apt-get install awscli" },
  pgDump: { command: "pg_dump", missing: "pg_dump is missing: apt-get install postgresql-client" },
  psql: { command: "psql", missing: "psql is missing: apt-get install postgresql-client" },
  time: { command: "/usr/bin/time", missing: "GNU time is missing (/usr/bin/time): apt-get install time" },
  rclone: { command: "rclone", missing: "rclone is missing: apt-get install rclone" }
} as const satisfies Record<string, Tool>

const executable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** What is missing of `tool` (its install line), or undefined when it can be run. */
export const toolProblem = (tool: Tool, searchPath = process.env["PATH"] ?? ""): string | undefined => {
  const found = path.isAbsolute(tool.command)
    ? executable(tool.command)
    : searchPath.split(path.delimiter).some((dir) => dir !== "" && executable(path.join(dir, tool.command)))
  return found ? undefined : tool.missing
}

/** Fails with every missing tool and its install line. */
export const requireTools = (...tools: ReadonlyArray<Tool>): void => {
  const problems = tools.map((tool) => toolProblem(tool)).filter((p) => p !== undefined)
  if (problems.length > 0) throw new Error(problems.join("\n"))
}

export interface PostgresTarget {
  readonly host: string
  readonly port: number
  readonly user: string
}

/** Why the tests cannot use PostgreSQL at `target` (unreachable, or the login is refused), or undefined. */
export const postgresProblem = async (target: PostgresTarget): Promise<string | undefined> => {
  const sql = postgres({ ...target, database: "postgres", max: 1, connect_timeout: 5, onnotice: () => undefined })
  const where = `${target.host}:${target.port}`
  try {
    await sql`select 1`
    return undefined
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string }
    if (code === "28P01" || code === "28000") {
      return `PostgreSQL at ${where} refused the login of ${target.user} (${message}): ` +
        "the tests need trust authentication on 127.0.0.1 " +
        `(pg_hba.conf: "host all all 127.0.0.1/32 trust", then pg_ctlcluster 15 main reload)`
    }
    return `PostgreSQL is not reachable at ${where} (${code ?? message}): start it (pg_ctlcluster 15 main start), ` +
      "or install it (apt-get install postgresql-15)"
  } finally {
    await sql.end({ timeout: 1 }).catch(() => undefined)
  }
}

/** Fails with `postgresProblem`'s sentence. */
export const requirePostgres = async (target: PostgresTarget): Promise<void> => {
  const problem = await postgresProblem(target)
  if (problem !== undefined) throw new Error(problem)
}
