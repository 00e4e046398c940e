import type { RunningServer, TempDir, TestDatabase } from "@immich-storage/testkit"
import { afterEach } from "vitest"

/** What one test of the server process made: a running server, a temp folder, a database. */
export interface ProcessTestState {
  running?: RunningServer | undefined
  temp?: TempDir | undefined
  database?: TestDatabase | undefined
}

/**
 * The test file's state, released after each test whatever happened in it: the server stopped first (it
 * holds the folder and the database), then the folder removed and the database dropped.
 */
export const processTestState = (): ProcessTestState => {
  const state: ProcessTestState = {}
  afterEach(async () => {
    await state.running?.stop()
    state.running = undefined
    await state.temp?.remove()
    state.temp = undefined
    await state.database?.drop()
    state.database = undefined
  })
  return state
}
