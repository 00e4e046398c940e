import { Command } from "effect/cli"
import { backupsCommand } from "./commands/backups.ts"
import { cleanupCommand } from "./commands/cleanup.ts"
import { configCommand } from "./commands/config.ts"
import { migrateCommand } from "./commands/migrate.ts"
import { migratePathsCommand } from "./commands/migratePaths.ts"
import { syncCommand, verifyCommand } from "./commands/sync.ts"

export const cli = Command.make("immich-storage").pipe(
  Command.withDescription("Storage tools for Immich: configuration, sync and verify, migration to S3 and back, path rewrites, database backups, crash leftovers"),
  Command.withSubcommands([configCommand, syncCommand, verifyCommand, migrateCommand, migratePathsCommand, backupsCommand, cleanupCommand])
)
