import { Command } from "effect/cli"
import { configCommand } from "./commands/config.ts"
import { migratePathsCommand } from "./commands/migratePaths.ts"

export const cli = Command.make("immich-storage").pipe(
  Command.withDescription("Storage tools for Immich: configuration and path migration (sync, verify and backups to come)"),
  Command.withSubcommands([configCommand, migratePathsCommand])
)
