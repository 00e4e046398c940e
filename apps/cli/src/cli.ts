import { Command } from "effect/cli"
import { configCommand } from "./commands/config.ts"

export const cli = Command.make("immich-storage").pipe(
  Command.withDescription("Storage tools for Immich: configuration, and (to come) sync, verify, path migration and backups"),
  Command.withSubcommands([configCommand])
)
