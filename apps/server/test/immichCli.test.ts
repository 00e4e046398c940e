import { IMMICH_API_VERSION, parseImmichVersion } from "@immich-storage/core"
import {
  createImmichDatabase,
  createTestDatabase,
  hasColumn,
  makeTempDir,
  schemaSnapshot
} from "@immich-storage/testkit"
import type { TempDir, TestDatabase } from "@immich-storage/testkit"
import { spawn } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import * as fs from "node:fs/promises"
import { createRequire } from "node:module"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { ADMIN_KEY, localStorage, makeJpeg, startServerOn } from "./helpers.ts"
import type { ServerUnderTest } from "./helpers.ts"

/**
 * Immich's own uploader, `@immich/cli` (the exact version is pinned in apps/server/package.json), run as a
 * user runs it: `immich login`, `immich upload` twice, `immich server-info`, against a real server on an
 * empty database and on databases upstream Immich v2.7 and v3.2 created.
 */

/** `bin/immich` of the installed package: it checks the Node version, then loads `dist/index.js`. */
const IMMICH_BIN = path.join(path.dirname(createRequire(import.meta.url).resolve("@immich/cli")), "../bin/immich")

interface CliRun {
  readonly code: number | null
  readonly output: string
}

/**
 * Runs `immich <args>` with the current Node. HOME and IMMICH_CONFIG_DIR (the CLI's `--config-directory`,
 * where `auth.yml` goes) point into `home`, so the real home is never read or written; the CLI's own
 * `IMMICH_INSTANCE_URL`/`IMMICH_API_KEY` are dropped so a developer's shell cannot steer it.
 */
const immich = (home: string, args: ReadonlyArray<string>, timeoutMs = 30_000): Promise<CliRun> =>
  new Promise((resolve, reject) => {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("IMMICH_")))
    const env = {
      ...inherited,
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, ".config"),
      IMMICH_CONFIG_DIR: path.join(home, "immich-config")
    }
    const child = spawn(process.execPath, [IMMICH_BIN, ...args], { env, cwd: home })
    let output = ""
    child.stdout.on("data", (d) => (output += d))
    child.stderr.on("data", (d) => (output += d))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`immich ${args.join(" ")} did not finish in ${timeoutMs} ms:\n${output}`))
    }, timeoutMs)
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })

/** Fails with the CLI's and the server's whole output, so that a failing run says what both saw. */
const expectRun = (run: CliRun, ...expected: ReadonlyArray<string>) => {
  const context = `immich output:\n${run.output}\nserver output:\n${sut?.server.output() ?? ""}`
  expect(run.code, context).toBe(0)
  for (const text of expected) expect(run.output, context).toContain(text)
}

/** Two real JPEGs and one video by name (the server takes any bytes for a video; it keeps no duration here). */
const writeFolder = async (dir: string) => {
  const files = new Map<string, Buffer>([
    ["first.jpg", await makeJpeg(64, 48, 1)],
    ["second.jpg", await makeJpeg(48, 64, 2)],
    ["clip.mp4", randomBytes(5000)]
  ])
  await fs.mkdir(dir, { recursive: true })
  for (const [name, bytes] of files) await fs.writeFile(path.join(dir, name), bytes)
  return files
}

interface StoredAsset {
  readonly originalFileName: string
  readonly type: string
  readonly checksum: string
}

const storedAssets = (sut: ServerUnderTest) =>
  sut.sql<Array<StoredAsset>>`
    select "originalFileName", "type", encode("checksum", 'hex') as "checksum" from "asset" order by "originalFileName"`

const sha1 = (bytes: Buffer) => createHash("sha1").update(bytes).digest("hex")

const databases: ReadonlyArray<readonly [string, () => Promise<TestDatabase>]> = [
  ["own (empty database)", createTestDatabase],
  ["upstream Immich v2.7", () => createImmichDatabase("v2.7")],
  ["upstream Immich v3.2", () => createImmichDatabase("v3.2")]
]

let sut: ServerUnderTest | undefined
let temp: TempDir | undefined
let database: TestDatabase | undefined
afterEach(async () => {
  await sut?.stop()
  sut = undefined
  await temp?.remove()
  temp = undefined
  await database?.drop()
  database = undefined
})

describe.each(databases)("Immich's own uploader (@immich/cli) on a %s", (_, create) => {
  it("logs in, uploads new files, finds them all duplicates the second time, and shows the server's info", {
    timeout: 120_000
  }, async () => {
    database = await create()
    temp = await makeTempDir()
    sut = await startServerOn(await localStorage(temp), {}, database)
    const schemaBefore = await schemaSnapshot(sut.sql)
    const home = path.join(temp.path, "home")
    const folder = path.join(temp.path, "photos")
    await fs.mkdir(home)
    const files = await writeFolder(folder)

    expectRun(await immich(home, ["login", `${sut.server.url}/api`, ADMIN_KEY]), "Logged in as ")
    expect(await fs.readFile(path.join(home, "immich-config", "auth.yml"), "utf8")).toContain(ADMIN_KEY)

    expectRun(
      await immich(home, ["upload", folder]),
      "Found 3 new files and 0 duplicates",
      "Successfully uploaded 3 new assets"
    )
    const expected = [...files].map(([name, bytes]) => ({
      originalFileName: name,
      type: name.endsWith(".mp4") ? "VIDEO" : "IMAGE",
      checksum: sha1(bytes)
    }))
    expect(await storedAssets(sut)).toEqual(
      expected.sort((a, b) => a.originalFileName.localeCompare(b.originalFileName))
    )
    const storedOriginals = (await sut.listKeys("upload")).length
    expect(storedOriginals).toBe(3)
    if (await hasColumn(sut.sql, "asset", "deviceAssetId")) {
      // A v2 schema requires the device columns and @immich/cli 3.x sends none: filled as upstream's CLI did.
      const devices = await sut.sql<Array<{ deviceAssetId: string; deviceId: string }>>`
        select "deviceAssetId", "deviceId" from "asset" order by "originalFileName"`
      const byName = [...files].sort(([a], [b]) => a.localeCompare(b))
      expect(devices).toEqual(
        byName.map(([name, bytes]) => ({ deviceAssetId: `${name}-${bytes.length}`, deviceId: "CLI" }))
      )
    }

    expectRun(
      await immich(home, ["upload", folder]),
      "Found 0 new files and 3 duplicates",
      "All assets were already uploaded, nothing to do."
    )
    expect((await storedAssets(sut)).length).toBe(3)
    expect((await sut.listKeys("upload")).length).toBe(storedOriginals)

    const version = parseImmichVersion(IMMICH_API_VERSION)!
    expectRun(
      await immich(home, ["server-info"]),
      `Version: ${version.major}.${version.minor}.${version.patch}`,
      "Images: 2\n",
      "Videos: 1\n",
      "Total: 3\n"
    )
    expect(await schemaSnapshot(sut.sql)).toEqual(schemaBefore)
  })
})
