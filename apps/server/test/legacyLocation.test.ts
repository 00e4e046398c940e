import {
  connectTo,
  createTestDatabase,
  makeTempDir,
  runScript,
  SERVER_MAIN,
  startServer
} from "@immich-storage/testkit"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { processTestState } from "./processState.ts"

const t = processTestState()

/**
 * A media folder and database that one start initialised (schema, markers), then made to look like an
 * upstream install from before `MediaLocation` was saved: the key removed, profile images at `paths`.
 */
const legacyDatabase = async (paths: ReadonlyArray<string>) => {
  t.temp = await makeTempDir()
  t.database = await createTestDatabase()
  const media = path.join(t.temp.path, "media")
  const env = { IMMICH_MEDIA_LOCATION: media, DB_DATABASE_NAME: t.database.name }
  await (await startServer(env)).stop()
  const sql = connectTo(t.database.name)
  await sql`delete from system_metadata where key = 'MediaLocation'`
  for (const [i, p] of paths.entries()) {
    await sql`insert into "user" (email, "profileImagePath") values (${`u${i}@example.com`}, ${p})`
  }
  const read = async () => ({
    paths: (await sql<Array<{ p: string }>>`
      select "profileImagePath" as p from "user" where email like 'u%@example.com' order by email`).map((r) => r.p),
    saved: (await sql<Array<{ l: string }>>`
      select value->>'location' as l from system_metadata where key = 'MediaLocation'`)[0]?.l
  })
  return { env, media, read, end: () => sql.end() }
}

describe("server boot on a database that never saved its media location", () => {
  it("infers the previous location from the stored paths, rewrites them to the current one, and logs it", async () => {
    const legacy = await legacyDatabase(["/old/base/profile/u/a.jpg", "/old/base/profile/u/b.jpg"])
    t.running = await startServer(legacy.env)
    expect(t.running.output()).toContain("the previous one, /old/base, was inferred from 2 sampled paths")
    expect(t.running.output()).toContain(`Media location changed from /old/base to ${legacy.media}: rewrote 2 paths`)
    expect(await legacy.read()).toEqual({
      paths: [`${legacy.media}/profile/u/a.jpg`, `${legacy.media}/profile/u/b.jpg`],
      saved: legacy.media
    })
    await legacy.end()
  })

  it("refuses to start when the sampled paths disagree, naming the bases and the fix; changes nothing", async () => {
    const legacy = await legacyDatabase(["/old/a/profile/u/a.jpg", "/old/b/profile/u/b.jpg"])
    const result = await runScript(SERVER_MAIN, [], { ...legacy.env, IMMICH_PORT: "0" })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("immich-storage server cannot start")
    expect(result.stderr).toContain("/old/a: 1 path, e.g. /old/a/profile/u/a.jpg")
    expect(result.stderr).toContain("/old/b: 1 path, e.g. /old/b/profile/u/b.jpg")
    expect(result.stderr).toContain(`immich-storage migrate-paths --from <base> --to ${legacy.media}`)
    expect(await legacy.read()).toEqual({
      paths: ["/old/a/profile/u/a.jpg", "/old/b/profile/u/b.jpg"],
      saved: undefined
    })
    await legacy.end()
  })
})
