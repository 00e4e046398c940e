import { createServer } from "node:net"
import { describe, expect, it } from "vitest"
import { postgresProblem, requireTools, TEST_POSTGRES, toolProblem, TOOLS } from "../src/index.ts"

/** A port nothing listens on: one the system just gave out and that was closed again. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

describe("prerequisites: what a fresh machine is told", () => {
  it("names a missing tool and its install line instead of spawn ENOENT", () => {
    const awsElsewhere = { ...TOOLS.aws, command: "/nonexistent/bin/aws" }
    expect(toolProblem(awsElsewhere)).toBe("Debian's awscli is missing (/usr/bin/aws): apt-get install awscli")
    expect(toolProblem(TOOLS.rclone, "/nonexistent/bin")).toBe("rclone is missing: apt-get install rclone")
    expect(toolProblem(TOOLS.pgDump, "")).toBe("pg_dump is missing: apt-get install postgresql-client")
    expect(() => requireTools(awsElsewhere, { ...TOOLS.time, command: "/nonexistent/time" })).toThrow(
      "Debian's awscli is missing (/usr/bin/aws): apt-get install awscli\nGNU time is missing (/usr/bin/time): apt-get install time"
    )
  })

  it("finds what is installed here (the suite needs it)", () => {
    expect(toolProblem(TOOLS.aws)).toBeUndefined()
    expect(toolProblem(TOOLS.pgDump)).toBeUndefined()
    expect(toolProblem(TOOLS.psql)).toBeUndefined()
    expect(() => requireTools(TOOLS.aws, TOOLS.psql)).not.toThrow()
  })

  it("says PostgreSQL is not reachable, and how to start it, on a closed port", async () => {
    const port = await closedPort()
    const problem = await postgresProblem({ host: "127.0.0.1", port, user: "postgres" })
    expect(problem).toContain(
      `PostgreSQL is not reachable at 127.0.0.1:${port} (ECONNREFUSED): start it (pg_ctlcluster 15 main start)`
    )
  })

  it("says which login was refused, and how to allow it", async () => {
    const problem = await postgresProblem({ ...TEST_POSTGRES, user: "no_such_role_for_tests" })
    expect(problem).toContain("refused the login of no_such_role_for_tests")
    expect(problem).toContain("127.0.0.1/32 trust")
  })

  it("finds the test server", async () => {
    expect(await postgresProblem(TEST_POSTGRES)).toBeUndefined()
  })
})
