import { Command } from "effect/cli"
import { backupsCommand } from "./commands/backups.ts"
import { configCommand } from "./commands/config.ts"
import { migratePathsCommand } from "./commands/migratePaths.ts"

export const cli = Command.make("immich-storage").pipe(
  Command.withDescription("Storage tools for Immich: configuration, path migration and database backups (sync and verify to come)"),
  Command.withSubcommands([configCommand, migratePathsCommand, backupsCommand])
)
