import {
  baseOf,
  exitCodeOf,
  findingsOf,
  loadS3SettingsAt,
  loadStorageSettings,
  parseBase,
  verdictOf
} from "@immich-storage/core"
import type { Finding } from "@immich-storage/core"
import { Argument, Command, Flag } from "effect/cli"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { CliFailure } from "../CliFailure.ts"

/** The S3 settings to check: those of `s3://bucket/prefix` (and the other S3_* variables), else the configured ones. */
const settingsFor = (base: Option.Option<string>) =>
  Effect.gen(function*() {
    if (Option.isNone(base)) {
      const settings = yield* loadStorageSettings
      if (settings.engine !== "s3") {
        return yield* new CliFailure({
          message: "check-s3 checks S3 storage: give s3://bucket/prefix, or set IMMICH_STORAGE_ENGINE=s3 and S3_BUCKET"
        })
      }
      return settings
    }
    const parsed = parseBase(base.value)
    if (typeof parsed === "string" || parsed._tag !== "S3") {
      return yield* new CliFailure({
        message: `check-s3 checks S3 storage: "${base.value}" is not an s3://bucket/prefix location`
      })
    }
    return yield* loadS3SettingsAt(parsed)
  })

const render = (finding: Finding) => `  ${finding.level.padEnd(7)} ${finding.name.padEnd(17)} ${finding.text}`

/** `immich-storage check-s3`: what an S3 server does, and whether it can hold photos (exit 0; 2: caveats; 1: no). */
export const checkS3Command = Command.make(
  "check-s3",
  {
    location: Argument.String("location").pipe(
      Argument.withDescription("s3://bucket/prefix to check (default: the configured S3 location)"),
      Argument.optional
    ),
    json: Flag.Boolean("json").pipe(Flag.withDescription("Print a machine-readable report"), Flag.withDefault(false))
  },
  (flags) =>
    Effect.scoped(Effect.gen(function*() {
      const settings = yield* settingsFor(flags.location)
      const { runS3Check } = yield* Effect.promise(() => import("@immich-storage/core/s3"))
      const where = baseOf(settings.location)
      if (!flags.json) {
        const endpoint = settings.s3.endpoint ?? "AWS"
        yield* Console.log(`Checking ${where} (${endpoint}) under a temporary prefix, removed afterwards…`)
      }
      const facts = yield* runS3Check(settings.location, settings.s3)
      const findings = findingsOf(facts)
      const verdict = verdictOf(findings)
      const why = findings.filter((f) => f.level === (verdict === "not usable" ? "fail" : "caveat"))
        .map((f) => `${f.name}: ${f.text}`)
      if (flags.json) yield* Console.log(JSON.stringify({ location: where, verdict, findings }, null, 2))
      else {
        for (const finding of findings) yield* Console.log(render(finding))
        yield* Console.log(`Verdict: ${verdict}${why.length === 0 ? "" : `\n${why.map((w) => `  - ${w}`).join("\n")}`}`)
      }
      process.exitCode = exitCodeOf(verdict)
    }))
).pipe(Command.withDescription(
  "Check what an S3 server does (checksums, ETags, ranges, listings, multipart, copy, presigned URLs, latency) " +
    "before trusting it with photos"
))
