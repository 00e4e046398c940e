import type { SyncProgress } from "@immich-storage/core"
import { describe, expect, it } from "vitest"
import { progressLine } from "../src/progress.ts"

const progress = (change: Partial<SyncProgress>): SyncProgress => ({
  filesDone: 3,
  filesTotal: 10,
  bytesDone: 3 * 1024 * 1024,
  bytesTotal: 10 * 1024 * 1024,
  failed: 0,
  listed: 412_000,
  listing: false,
  expected: undefined,
  ...change
})

describe("the sync progress line", () => {
  it("says how far listing has got while it goes on, with the expected total when one is known", () => {
    expect(progressLine(progress({ listing: true, expected: 1_000_000 }), 1))
      .toBe("listed 412000 of ~1000000 objects; 3/10 files so far, 3.0 MiB, 3.0 MiB/s")
    expect(progressLine(progress({ listing: true, failed: 2 }), 1))
      .toBe("listed 412000 objects; 3/10 files so far, 3.0 MiB, 3.0 MiB/s, 2 failed")
  })

  it("gives totals and an ETA once both listings are complete", () => {
    expect(progressLine(progress({}), 1)).toBe("3/10 files, 3.0 MiB / 10.0 MiB, 3.0 MiB/s, ETA 2s")
  })
})
