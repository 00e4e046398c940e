import * as Schema from "effect/Schema"
import { baseOf, parseBase } from "../location/MediaLocation.ts"
import { STORAGE_FOLDERS } from "../location/StorageFolder.ts"

/**
 * Upstream Immich installs from before it kept `MediaLocation` have paths but no saved base. The base
 * they were written under is read back from a sample of stored paths: a managed path is
 * `<base>/<folder>/…` with `<folder>` one of Immich's storage folders.
 *
 * Upstream only looks at the first `asset_file` path and assumes its old default (`/usr/src/app/upload`,
 * or `upload` for relative paths). We derive the base from every sampled path instead, at a `/`
 * boundary, for local and `s3://` bases alike, and accept it only when every sampled path agrees.
 */
export type LegacyLocationInference =
  | { readonly _tag: "NoPaths" }
  | { readonly _tag: "Inferred"; readonly base: string; readonly sampled: number }
  | {
    readonly _tag: "Inconsistent"
    readonly sampled: number
    /** Each base found, most paths first; `problem` when it cannot be a media location. */
    readonly bases: ReadonlyArray<FoundBase>
    /** Sampled paths that lie under no Immich folder at all. */
    readonly unrecognised: ReadonlyArray<string>
  }

export type InconsistentSample = Extract<LegacyLocationInference, { _tag: "Inconsistent" }>

export interface FoundBase {
  readonly base: string
  readonly count: number
  readonly example: string
  readonly problem?: string
}

const FOLDER_SEGMENTS = STORAGE_FOLDERS.map((folder) => `/${folder}/`)

/**
 * The base a stored path was written under: the part before its last `/<folder>/` segment, or undefined
 * when it has none. The last one, because a base may itself contain a folder name (upstream's old default
 * `/usr/src/app/upload` does) while the key below `thumbs/`, `upload/`, … is ids only.
 */
export const baseOfStoredPath = (storedPath: string): string | undefined => {
  let at = -1
  for (const segment of FOLDER_SEGMENTS) at = Math.max(at, storedPath.lastIndexOf(segment))
  return at === -1 ? undefined : storedPath.slice(0, at)
}

/** Why `base` cannot be the previous media location, or undefined. It must be a location in its own form. */
const baseProblem = (base: string): string | undefined => {
  if (base === "") return "the filesystem root cannot be the media location"
  const parsed = parseBase(base)
  if (typeof parsed === "string") return parsed
  return baseOf(parsed) === base ? undefined : `"${base}" is not written as a location is stored (${baseOf(parsed)})`
}

/** Infers the previous base from sampled paths (empty ones, as Immich leaves unset columns, are ignored). */
export const inferLegacyLocation = (samples: ReadonlyArray<string>): LegacyLocationInference => {
  const paths = samples.filter((p) => p !== "")
  if (paths.length === 0) return { _tag: "NoPaths" }
  const found = new Map<string, { count: number; example: string }>()
  const unrecognised: Array<string> = []
  for (const p of paths) {
    const base = baseOfStoredPath(p)
    if (base === undefined) {
      unrecognised.push(p)
      continue
    }
    const entry = found.get(base)
    if (entry === undefined) found.set(base, { count: 1, example: p })
    else entry.count++
  }
  const bases: Array<FoundBase> = [...found].map(([base, { count, example }]) => {
    const problem = baseProblem(base)
    return problem === undefined ? { base, count, example } : { base, count, example, problem }
  }).sort((a, b) => b.count - a.count || a.base.localeCompare(b.base))
  const only = bases[0]
  if (bases.length === 1 && only !== undefined && only.problem === undefined && unrecognised.length === 0) {
    return { _tag: "Inferred", base: only.base, sampled: paths.length }
  }
  return { _tag: "Inconsistent", sampled: paths.length, bases, unrecognised }
}

/** Columns holding originals (and sidecars beside them): the folders below their base are a storage template's. */
export const ORIGINAL_COLUMNS: ReadonlySet<string> = new Set(["asset.originalPath", "asset.sidecarPath"])

export interface SampledPaths {
  /** Originals and sidecars: `upload/…` or a storage template's `library/<label>/<album>/…`. */
  readonly originals: Array<string>
  /** Thumbnails, previews, encoded videos, faces, profile images: named by ids below their folder. */
  readonly generated: Array<string>
}

/**
 * Infers the base from generated files when there are any: their names are ids, so their folder segment is
 * reliable, where an original may sit in an album called `upload`. Every original must then lie below that
 * base; one that does not is a real disagreement, and the sample is refused with it. Without generated
 * files the originals are all there is, read as `inferLegacyLocation` reads any path.
 */
export const inferFromSample = (sample: SampledPaths): LegacyLocationInference => {
  const generated = sample.generated.filter((p) => p !== "")
  const originals = sample.originals.filter((p) => p !== "")
  if (generated.length === 0) return inferLegacyLocation(originals)
  const inference = inferLegacyLocation(generated)
  if (inference._tag !== "Inferred") return inferLegacyLocation([...generated, ...originals])
  const outside = originals.filter((p) => !p.startsWith(`${inference.base}/`))
  if (outside.length > 0) return inferLegacyLocation([...generated, ...outside])
  return { ...inference, sampled: generated.length + originals.length }
}

/** What a refusal says: each base found, and how to go on. */
export const describeInconsistency = (
  inference: InconsistentSample,
  current: string
): string => {
  const lines = [
    "The database has no saved media location (MediaLocation), and the location its stored paths were " +
    `written under cannot be told from ${inference.sampled} sampled paths:`,
    ...inference.bases.map((b) =>
      `  ${b.base || "(empty)"}: ${b.count} path${b.count === 1 ? "" : "s"}, e.g. ${b.example}` +
      (b.problem === undefined ? "" : ` (cannot be a media location: ${b.problem})`)
    ),
    ...(inference.unrecognised.length === 0 ? [] : [
      `  under no Immich folder (${FOLDER_SEGMENTS.join(", ")}): ${inference.unrecognised.length} path` +
      `${inference.unrecognised.length === 1 ? "" : "s"}, e.g. ${inference.unrecognised[0]}`
    ]),
    "Nothing was changed. Say where the paths are with: " +
    `immich-storage migrate-paths --from <base> --to ${current} ` +
    "(add --dry-run first to see the counts); paths under other bases are left as they are."
  ]
  return lines.join("\n")
}

/** Boot stops: the previous location cannot be told from the stored paths. */
export class LegacyLocationInconsistent extends Schema.TaggedError<LegacyLocationInconsistent>()(
  "LegacyLocationInconsistent",
  { bases: Schema.Array(Schema.String), description: Schema.String }
) {
  override get message(): string {
    return this.description
  }
}

export const legacyLocationInconsistent = (
  inference: InconsistentSample,
  current: string
): LegacyLocationInconsistent =>
  new LegacyLocationInconsistent({
    bases: inference.bases.map((b) => b.base),
    description: describeInconsistency(inference, current)
  })
