import * as NodeServices from "@effect/platform-node/NodeServices"
import { assert, describe, it } from "@effect/vitest"
import { localLocation, makeDatabase, makeLocalEngine, toolEnvironment } from "@immich-storage/core"
import { TEST_POSTGRES } from "@immich-storage/testkit"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { execFileSync } from "node:child_process"
import { chmodSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { gzipSync } from "node:zlib"
import postgres from "postgres"
import { startTool, toolFailure } from "../../src/backups/toolProcess.ts"
import { freshDatabase, testDatabaseScoped, testDatabaseSettings } from "../db/helpers.ts"
import { tempDirScoped } from "../engine/helpers.ts"
import { backupsOn } from "./helpers.ts"

const SECRETS = { S3_SECRET_ACCESS_KEY: "s3-secret-must-not-leak", IMMICH_ADMIN_API_KEY: "admin-key-must-not-leak" }
const DB_PASSWORD = "password-the-tools-need"

/** Sets variables in this process's environment for the scope's lifetime. */
const environmentScoped = (vars: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]))
      Object.assign(process.env, vars)
      return before
    }),
    (before) =>
      Effect.sync(() => {
        for (const [k, v] of Object.entries(before)) v === undefined ? delete process.env[k] : (process.env[k] = v)
      })
  )

/**
 * Real `pg_dump` and `psql` behind wrapper scripts first on PATH: each records the environment it was
 * started with into `recordDir`, then execs the real tool (found on the PATH as it was).
 */
const wrapTools = (binDir: string, recordDir: string) => {
  for (const tool of ["pg_dump", "psql"]) {
    const real = execFileSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim()
    writeFileSync(`${binDir}/${tool}`, `#!/bin/sh\nenv > "${recordDir}/${tool}.$$.env"\nexec "${real}" "$@"\n`)
    chmodSync(`${binDir}/${tool}`, 0o755)
  }
}

const recorded = (recordDir: string) =>
  readdirSync(recordDir).map((file) => ({
    tool: file.split(".")[0]!,
    env: readFileSync(`${recordDir}/${file}`, "utf8")
  }))

describe("pg_dump and psql as child processes", () => {
  it.effect("get the database password and PATH, and none of this process's secrets", () =>
    Effect.gen(function*() {
      const bin = yield* tempDirScoped
      const records = yield* tempDirScoped
      const media = yield* tempDirScoped
      wrapTools(bin.path, records.path)
      yield* environmentScoped({ ...SECRETS, PATH: `${bin.path}:${process.env.PATH}` })
      const { name } = yield* freshDatabase
      // Trust authentication ignores the password; the tools still get it, as they would need it elsewhere.
      const db = yield* makeDatabase({ ...testDatabaseSettings(name), password: Redacted.make(DB_PASSWORD) })
      const backups = yield* backupsOn(yield* makeLocalEngine(localLocation(`${media.path}/media`)), db)
      const created = yield* backups.create
      const target = yield* testDatabaseScoped
      const into = { ...testDatabaseSettings(target.name), password: Redacted.make(DB_PASSWORD) }
      yield* backups.restore(created.name, into)

      const runs = recorded(records.path)
      // pg_dump --version, pg_dump, psql: each a real process that started through its wrapper.
      assert.deepStrictEqual(runs.map((r) => r.tool).sort(), ["pg_dump", "pg_dump", "psql"])
      for (const { env, tool } of runs) {
        for (const secret of Object.values(SECRETS)) assert.notInclude(env, secret, `${tool} saw a secret`)
        assert.notMatch(env, /^(S3_|IMMICH_|AWS_|DB_)/m, `${tool} saw a variable of ours`)
        assert.include(env, `PATH=${bin.path}:`)
      }
      const [version, dump] = runs.filter((r) => r.tool === "pg_dump").sort((a, b) => a.env.length - b.env.length)
      assert.notInclude(version!.env, "PGPASSWORD=", "pg_dump --version needs no password")
      assert.include(dump!.env, `PGPASSWORD=${DB_PASSWORD}`)
      assert.include(runs.find((r) => r.tool === "psql")!.env, `PGPASSWORD=${DB_PASSWORD}`)
    }))

  it.effect("end as a typed exit: a code, or the signal that killed them, with the end of their stderr", () =>
    Effect.gen(function*() {
      const options = { env: toolEnvironment(undefined), stdin: "ignore", stdout: "ignore" } as const
      const run = (script: string) =>
        Effect.scoped(Effect.gen(function*() {
          const tool = yield* startTool("sh", ["-c", script], options)
          const exit = yield* tool.exit
          return { exit, failure: toolFailure("sh", exit, yield* tool.stderrTail) }
        }))
      assert.deepStrictEqual(yield* run("exit 0"), { exit: { _tag: "Exited", code: 0 }, failure: undefined })
      const failed = yield* run("echo 'no such role' >&2; exit 3")
      assert.deepStrictEqual(failed, { exit: { _tag: "Exited", code: 3 }, failure: "sh exited with 3: no such role" })
      const killed = yield* run("echo 'half way' >&2; kill -KILL $$")
      assert.deepStrictEqual(killed.exit, { _tag: "Killed", signal: "SIGKILL" })
      assert.strictEqual(killed.failure, "sh was killed (SIGKILL): half way")
      const missing = yield* Effect.flip(Effect.scoped(startTool("no-such-tool-here", [], options)))
      assert.strictEqual(missing._tag, "ToolNotStarted")
    }).pipe(Effect.provide(NodeServices.layer)))

  it("pass through only the path, home, locale and libpq's TLS settings", () => {
    const env = toolEnvironment(undefined, {
      PATH: "/bin",
      HOME: "/home/x",
      LANG: "C.UTF-8",
      PGSSLMODE: "require",
      PGPASSWORD: "inherited",
      ...SECRETS,
      AWS_SECRET_ACCESS_KEY: "aws",
      DB_PASSWORD: "db",
      PGHOST: "elsewhere"
    })
    assert.deepStrictEqual(Object.keys(env).sort(), ["HOME", "LANG", "PATH", "PGPASSWORD", "PGSSLMODE"])
    // Without a password in the settings, an inherited PGPASSWORD is used, as the server's own connection does.
    assert.strictEqual(Redacted.value(env.PGPASSWORD as Redacted.Redacted<string>), "inherited")
    const own = toolEnvironment(Redacted.make("from settings"), { PGPASSWORD: "inherited" })
    assert.strictEqual(Redacted.value(own.PGPASSWORD as Redacted.Redacted<string>), "from settings")
  })

  it.live("pg_dump is killed when the backup is interrupted, and nothing is left behind", () =>
    Effect.gen(function*() {
      const media = yield* tempDirScoped
      const engine = yield* makeLocalEngine(localLocation(`${media.path}/media`))
      const { name } = yield* freshDatabase
      const admin = postgres({ ...TEST_POSTGRES, database: "postgres", max: 1, onnotice: () => undefined })
      yield* Effect.addFinalizer(() => Effect.promise(() => admin.end()))
      const sql = postgres({ ...TEST_POSTGRES, database: name, max: 1, onnotice: () => undefined })
      yield* Effect.promise(() =>
        sql`create table big as select i, md5(i::text) as v from generate_series(1, 1500000) i`
      )
      yield* Effect.promise(() => sql.end())
      const backups = yield* backupsOn(engine, yield* makeDatabase(testDatabaseSettings(name)))
      const dumping = () =>
        Effect.promise(() =>
          admin<Array<{ pid: number }>>`
          select pid from pg_stat_activity where datname = ${name} and application_name = 'pg_dump'`
        )
      const fiber = yield* Effect.forkChild(backups.create)
      let seen = false
      for (let i = 0; i < 300 && !seen; i++) {
        yield* Effect.sleep("10 millis")
        seen = (yield* dumping()).length > 0
      }
      assert.isTrue(seen, "pg_dump connected")
      yield* Fiber.interrupt(fiber)
      // A killed pg_dump's connection closes; the server notices at once.
      let left = 1
      for (let i = 0; i < 100 && left > 0; i++) {
        left = (yield* dumping()).length
        if (left > 0) yield* Effect.sleep("20 millis")
      }
      assert.strictEqual(left, 0, "pg_dump's connection is gone")
      assert.deepStrictEqual(yield* Stream.runCollect(engine.list("backups")), [])
    }), 60_000)

  it.live("psql is killed when a restore is interrupted", () =>
    Effect.gen(function*() {
      const media = yield* tempDirScoped
      const engine = yield* makeLocalEngine(localLocation(`${media.path}/media`))
      const { db } = yield* freshDatabase
      const target = yield* testDatabaseScoped
      const backup = "immich-db-backup-20200101T000000-v1-pg15.4.sql.gz"
      // A backup whose statement keeps psql waiting far longer than the test does.
      yield* engine.put(`backups/${backup}`, gzipSync(Buffer.from("select pg_sleep(60);\n")))
      const backups = yield* backupsOn(engine, db)
      // The server backend keeps sleeping after its client is gone, so look for the psql process itself.
      const psqlChildren = () =>
        execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" })
          .split("\n").filter((line) => line.trim().endsWith("psql"))
      const fiber = yield* Effect.forkChild(backups.restore(backup, testDatabaseSettings(target.name)))
      let seen = false
      for (let i = 0; i < 300 && !seen; i++) {
        yield* Effect.sleep("10 millis")
        seen = psqlChildren().length > 0
      }
      assert.isTrue(seen, "psql is running")
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(psqlChildren(), [], "psql is gone once the interrupted restore returned")
    }), 60_000)
})
