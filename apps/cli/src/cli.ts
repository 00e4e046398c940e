import { Command } from "effect/cli"
import { backupsCommand } from "./commands/backups.ts"
import { configCommand } from "./commands/config.ts"
import { migratePathsCommand } from "./commands/migratePaths.ts"
import { syncCommand, verifyCommand } from "./commands/sync.ts"

export const cli = Command.make("immich-storage").pipe(
  Command.withDescription("Storage tools for Immich: configuration, sync and verify, path migration, database backups"),
  Command.withSubcommands([configCommand, syncCommand, verifyCommand, migratePathsCommand, backupsCommand])
)
