import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import * as path from "node:path"

export interface TempDir {
  readonly path: string
  readonly remove: () => Promise<void>
}

export const makeTempDir = async (stem = "immich-storage"): Promise<TempDir> => {
  const dir = await mkdtemp(path.join(tmpdir(), `${stem}-`))
  return { path: dir, remove: () => rm(dir, { recursive: true, force: true }) }
}
