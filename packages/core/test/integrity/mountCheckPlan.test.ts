import { planMountChecks, STORAGE_FOLDERS } from "@immich-storage/core"
import type { FolderObservation, StorageFolder } from "@immich-storage/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

const observations = fc.tuple(
  ...STORAGE_FOLDERS.map((folder) =>
    fc.record({ folder: fc.constant(folder), hasMarker: fc.boolean(), hasFiles: fc.boolean() })
  )
)
const flags = fc.subarray([...STORAGE_FOLDERS]).map((f) => new Set<StorageFolder>(f))

describe("planMountChecks", () => {
  it("sorts every folder into exactly one of: marker written, problem", () => {
    fc.assert(fc.property(observations, flags, (obs, flagged) => {
      const plan = planMountChecks(obs, flagged)
      const seen = [...plan.writeMarker, ...plan.problems.map((p) => p.folder)].sort()
      expect(seen).toEqual([...STORAGE_FOLDERS].sort())
    }))
  })

  it("never reports a folder that has its marker, and always reports a flagged folder without one", () => {
    fc.assert(fc.property(observations, flags, (obs, flagged) => {
      const problems = new Set(planMountChecks(obs, flagged).problems.map((p) => p.folder))
      return obs.every((o: FolderObservation) =>
        (!o.hasMarker || !problems.has(o.folder)) && (o.hasMarker || !flagged.has(o.folder) || problems.has(o.folder))
      )
    }))
  })

  it("treats an empty, never-checked location as a first start", () => {
    const empty = STORAGE_FOLDERS.map((folder) => ({ folder, hasMarker: false, hasFiles: false }))
    expect(planMountChecks(empty, new Set())).toEqual({ writeMarker: [...STORAGE_FOLDERS], problems: [] })
  })

  it("reports a folder that lost its marker while its siblings kept theirs", () => {
    const obs = STORAGE_FOLDERS.map((folder) => ({ folder, hasMarker: folder !== "upload", hasFiles: false }))
    const plan = planMountChecks(obs, new Set())
    expect(plan.problems.map((p) => p.folder)).toEqual(["upload"])
    expect(plan.problems[0]!.reason).toContain("lost its content")
  })
})
