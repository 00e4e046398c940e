import { CLI_MAIN, makeTempDir, REPO_ROOT, runScript } from "@immich-storage/testkit"
import type { TempDir } from "@immich-storage/testkit"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"

let temp: TempDir | undefined
afterEach(async () => {
  await temp?.remove()
  temp = undefined
})

const inDirWith = async (dotEnv: string) => {
  temp = await makeTempDir()
  await fs.writeFile(path.join(temp.path, ".env"), dotEnv)
  return temp.path
}

describe("the CLI reads .env from the working directory", () => {
  it("takes its settings, and the real environment wins over it", async () => {
    const cwd = await inDirWith(
      "# copied from example.env\nIMMICH_MEDIA_LOCATION=./photos\nIMMICH_IGNORE_MOUNT_CHECK_ERRORS=true\n"
    )
    const fromFile = await runScript(CLI_MAIN, ["config", "--json"], {}, { cwd })
    expect(fromFile.code, fromFile.stderr).toBe(0)
    expect(JSON.parse(fromFile.stdout)).toMatchObject({
      "media location": path.join(cwd, "photos"),
      "ignore mount check errors": "true"
    })

    const env = { IMMICH_MEDIA_LOCATION: "/srv/from-env" }
    const overridden = await runScript(CLI_MAIN, ["config", "--json"], env, { cwd })
    expect(JSON.parse(overridden.stdout)).toMatchObject({
      "media location": "/srv/from-env",
      "ignore mount check errors": "true"
    })
  })

  it("reads example.env copied to .env, as example.env tells", async () => {
    const cwd = await inDirWith(await fs.readFile(path.join(REPO_ROOT, "example.env"), "utf8"))
    const result = await runScript(CLI_MAIN, ["config", "--json"], {}, { cwd })
    expect(result.code, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ engine: "local", "media location": path.join(cwd, "data") })
  })

  it("refuses a malformed .env, naming the file and the line", async () => {
    const cwd = await inDirWith("IMMICH_MEDIA_LOCATION=./photos\nS3_BUCKET my-photos\n")
    const result = await runScript(CLI_MAIN, ["config"], {}, { cwd })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`${path.join(cwd, ".env")} cannot be read`)
    expect(result.stderr).toContain(`line 2: "S3_BUCKET my-photos" is not NAME=value`)
  })

  it("is not read from the repository by the tests' processes: they run in an empty folder", async () => {
    const result = await runScript(CLI_MAIN, ["config", "--json"], {})
    const media = (JSON.parse(result.stdout) as Record<string, string>)["media location"]!
    expect(media.startsWith(`${REPO_ROOT}/`)).toBe(false)
    expect(await fs.readdir(path.dirname(media))).toEqual([])
  })
})
