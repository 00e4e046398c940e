import { dotEnvProblems } from "@immich-storage/core"
import { describe, expect, it } from "vitest"

describe("dotEnvProblems", () => {
  it("accepts what example.env and docker compose files hold", () => {
    const text = [
      "# a comment",
      "",
      "IMMICH_MEDIA_LOCATION=./data",
      "export S3_BUCKET=my-photos",
      "S3_PREFIX = immich   # trailing comment",
      "DB_PASSWORD='it''s'",
      "NOTE=\"first line",
      "second line\"",
      "EMPTY=",
      "   # indented comment"
    ].join("\n")
    expect(dotEnvProblems(text)).toEqual([])
  })

  it.each([
    ["S3_BUCKET my-photos", 1, "is not NAME=value"],
    ["A=1\nexport\nB=2", 2, "is not NAME=value"],
    ["A=1\n\n1BAD=x", 3, "is not NAME=value"],
    ["A=1\nB=\"never closed\nC=3", 2, "never closed"],
    ["=value", 1, "is not NAME=value"]
  ])("reports %j at line %i", (text, line, says) => {
    const problems = dotEnvProblems(text)
    expect(problems).toHaveLength(1)
    expect(problems[0]!.line).toBe(line)
    expect(problems[0]!.problem).toContain(says)
  })
})
