import { Command } from "effect/cli"
import { backupsCommand } from "./commands/backups.ts"
import { checkS3Command } from "./commands/checkS3.ts"
import { cleanupCommand } from "./commands/cleanup.ts"
import { configCommand } from "./commands/config.ts"
import { migrateCommand } from "./commands/migrate.ts"
import { migratePathsCommand } from "./commands/migratePaths.ts"
import { syncCommand, verifyCommand } from "./commands/sync.ts"
import { CliLayers } from "./layers.ts"

export const cli = Command.make("immich-storage").pipe(
  Command.withDescription(
    "Storage tools for Immich: configuration, sync and verify, migration to S3 and back, path rewrites, " +
      "database backups, crash leftovers, S3 server checks"
  ),
  Command.withSubcommands([
    configCommand,
    syncCommand,
    verifyCommand,
    migrateCommand.pipe(Command.provide(CliLayers.cutOver)),
    migratePathsCommand.pipe(Command.provide(CliLayers.pathMigrator)),
    backupsCommand,
    cleanupCommand,
    checkS3Command
  ])
)
