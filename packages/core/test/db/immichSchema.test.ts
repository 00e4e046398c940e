import { describeSchema, schemaFromFacts, upstreamVersionOf } from "@immich-storage/core"
import type { SchemaFacts } from "@immich-storage/core"
import { describe, expect, it } from "vitest"

const facts = (
  upstreamMigrations: number,
  columns: Record<string, [nullable: boolean, dataType: string]>
): SchemaFacts => ({
  upstreamMigrations,
  columns: new Map(Object.entries(columns).map(([name, [nullable, dataType]]) => [name, { nullable, dataType }]))
})

const v27 = facts(33, {
  "asset.id": [false, "uuid"],
  "asset.deviceAssetId": [false, "character varying"],
  "asset.deviceId": [false, "character varying"],
  "asset.duration": [true, "character varying"],
  "asset.checksumAlgorithm": [false, "USER-DEFINED"],
  "person.id": [false, "uuid"]
})
const v32 = facts(40, {
  "asset.id": [false, "uuid"],
  "asset.duration": [true, "integer"],
  "asset.checksumAlgorithm": [false, "USER-DEFINED"],
  "user.clusterGroupId": [false, "uuid"],
  "person.personGroupId": [false, "uuid"]
})

describe("which Immich schema a database holds", () => {
  it("tells v2.7 by its required device fields and text durations", () => {
    const schema = schemaFromFacts(v27)
    expect(schema).toMatchObject({
      managedByImmich: true,
      deviceColumns: "required",
      duration: "text",
      userClusterGroup: false,
      personKey: "id"
    })
    expect(describeSchema(schema)).toBe(
      "Immich database schema: v2.7 (device fields required, text durations, managed by Immich's migrations: left unaltered)"
    )
  })

  it("tells v3.2 by cluster groups and a person without id", () => {
    const schema = schemaFromFacts(v32)
    expect(schema).toMatchObject({
      deviceColumns: "absent",
      duration: "milliseconds",
      userClusterGroup: true,
      personKey: "personGroup"
    })
    expect(upstreamVersionOf(schema)).toBe("v3.2")
  })

  it("takes tables with upstream-only columns for Immich's even when its migration table is empty", () => {
    const schema = schemaFromFacts(
      facts(0, { "asset.id": [false, "uuid"], "asset.thumbhash": [true, "bytea"], "asset.duration": [true, "integer"] })
    )
    expect(schema.managedByImmich).toBe(true)
  })

  it("takes its own tables and an empty database for ours", () => {
    const own = schemaFromFacts(
      facts(0, { "asset.id": [false, "uuid"], "asset.duration": [true, "integer"], "person.id": [false, "uuid"] })
    )
    expect(own).toMatchObject({
      empty: false,
      managedByImmich: false,
      deviceColumns: "absent",
      duration: "milliseconds"
    })
    expect(describeSchema(own)).toMatch(/created by immich-storage/)
    expect(schemaFromFacts(facts(0, {})).empty).toBe(true)
  })

  it("sees upstream's timeline columns (thumbhash, live photos, stacks) and the EXIF table only when all are there", () => {
    type Columns = Record<string, [nullable: boolean, dataType: string]>
    const media: Columns = {
      "asset.thumbhash": [true, "bytea"],
      "asset.livePhotoVideoId": [true, "uuid"],
      "asset.stackId": [true, "uuid"]
    }
    const exif: Columns = Object.fromEntries(["assetId", "city", "country", "projectionType", "latitude", "longitude"]
      .map((c) => [`asset_exif.${c}`, [true, "character varying"] as [boolean, string]]))
    const base: Columns = { "asset.id": [false, "uuid"], "asset.duration": [true, "integer"] }
    expect(schemaFromFacts(facts(40, { ...base, ...media, ...exif }))).toMatchObject({
      assetMediaColumns: true,
      exifTable: true
    })
    expect(schemaFromFacts(facts(40, { ...base, ...media }))).toMatchObject({
      assetMediaColumns: true,
      exifTable: false
    })
    const { "asset_exif.city": _city, ...exifWithoutCity } = exif
    expect(schemaFromFacts(facts(40, { ...base, "asset.thumbhash": [true, "bytea"], ...exifWithoutCity })))
      .toMatchObject({ assetMediaColumns: false, exifTable: false })
    expect(schemaFromFacts(facts(0, base))).toMatchObject({ assetMediaColumns: false, exifTable: false })
  })
})
