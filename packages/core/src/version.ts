import rootPackage from "../../../package.json" with { type: "json" }

/** This project's own version: what `immich-storage --version` prints. Never sent as Immich's version. */
export const PACKAGE_VERSION: string = rootPackage.version

/**
 * The Immich server version whose API and database-dump format this project implements: what
 * `GET /api/server/version` reports and what backup names carry (Immich's restore reads it from the name).
 */
export const IMMICH_API_VERSION = "3.2.0"

/** `ServerVersionResponseDto` (OpenAPI v3.2): `prerelease` is the release-candidate number, null for a release. */
export interface ImmichVersion {
  readonly major: number
  readonly minor: number
  readonly patch: number
  readonly prerelease: number | null
}

/** `3.2.0` → `{3, 2, 0, null}`; `3.3.0-rc.1` → `{3, 3, 0, 1}`. Undefined for what is not such a version. */
export const parseImmichVersion = (version: string): ImmichVersion | undefined => {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-[A-Za-z]+\.?(\d+))?$/.exec(version)
  if (m === null) return undefined
  const prerelease = m[4] === undefined ? null : Number(m[4])
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease }
}

/**
 * Immich's restore treats a backup whose name carries a version at or below 2.4 as a `pg_dumpall` cluster
 * dump (semver `<= 2.4`, so every 2.4.x too) and restores it into the `postgres` database.
 */
export const isClusterDumpVersion = (version: ImmichVersion): boolean =>
  version.major < 2 || (version.major === 2 && version.minor <= 4)
