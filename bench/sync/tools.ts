import { TOOLS } from "@immich-storage/testkit"
import * as path from "node:path"
import { BENCH_ROOT } from "../shared/measure.ts"

const REPO = path.resolve(BENCH_ROOT, "..")
const { AWS_CA_BUNDLE: _ca, ...envWithoutCaBundle } = process.env

export interface ToolCommand {
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly env: NodeJS.ProcessEnv
}

/**
 * Ours against the local S3 server: `sync` or `verify` from `src` to the bucket, with `flags` (`--checksum`).
 * Run as a program, as `npx immich-storage` runs it: its first line gives Node the CLI's heap settings.
 */
export const oursCommand =
  (bucket: string, command: "sync" | "verify", flags: ReadonlyArray<string> = []) =>
  (endpoint: string, src: string, prefix: string): ToolCommand => ({
    command: path.join(REPO, "apps/cli/src/main.js"),
    args: [command, src, `s3://${bucket}/${prefix}`, ...flags],
    env: {
      ...process.env,
      // The first line's `env node` finds this Node (the project's), as npm's scripts find it.
      PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env["PATH"] ?? ""}`,
      S3_ENDPOINT: endpoint,
      S3_FORCE_PATH_STYLE: "true",
      S3_ACCESS_KEY_ID: "bench",
      S3_SECRET_ACCESS_KEY: "bench"
    }
  })

/**
 * How each tool is run against the local S3 server: ours, `aws s3 sync` and `rclone sync`, each with
 * the bench credentials. `rcloneFlags` are added to rclone's command line (the scale mode's fast mode).
 */
export const syncTools = (bucket: string, rcloneFlags: ReadonlyArray<string> = []) => ({
  ours: oursCommand(bucket, "sync"),
  aws: (endpoint: string, src: string, prefix: string): ToolCommand => ({
    command: TOOLS.aws.command,
    args: ["--endpoint-url", endpoint, "s3", "sync", "--only-show-errors", src, `s3://${bucket}/${prefix}/`],
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: "bench",
      AWS_SECRET_ACCESS_KEY: "bench",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_PAGER: ""
    }
  }),
  // Debian's rclone 1.60 fails on these machines while AWS_CA_BUNDLE is set.
  rclone: (endpoint: string, src: string, prefix: string): ToolCommand => ({
    command: TOOLS.rclone.command,
    args: ["sync", ...rcloneFlags, src, `bench:${bucket}/${prefix}`],
    env: {
      ...envWithoutCaBundle,
      RCLONE_CONFIG_BENCH_TYPE: "s3",
      RCLONE_CONFIG_BENCH_PROVIDER: "Other",
      RCLONE_CONFIG_BENCH_ENDPOINT: endpoint,
      RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: "bench",
      RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: "bench",
      RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: "true",
      // rclone sends files below 200 MiB in one PUT; this server takes at most ~11 MiB per request. Same
      // 8 MiB threshold and part size as ours and aws's.
      RCLONE_CONFIG_BENCH_UPLOAD_CUTOFF: "8M",
      RCLONE_CONFIG_BENCH_CHUNK_SIZE: "8M"
    }
  })
})
export type Tool = keyof ReturnType<typeof syncTools>
