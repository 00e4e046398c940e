import { BACKUP_DEFAULTS, Backups, formatSize, parseDatabaseEnv } from "@immich-storage/core"
import type { BackupFile } from "@immich-storage/core"
import { Argument, Command, Flag } from "effect/cli"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { CliFailure } from "../CliFailure.ts"
import { CliLayers } from "../layers.ts"

const formatLine = (f: BackupFile) => {
  const kind = f.kind === "routine" ? "" : `  (${f.kind})`
  return `${(f.takenAt ?? f.lastModified).toISOString()}  ${formatSize(f.size).padStart(10)}  ${f.name}${kind}`
}

const formatList = (files: ReadonlyArray<BackupFile>) =>
  files.length === 0 ? "No backups yet." : files.map(formatLine).join("\n")

const list = Command.make("list", {}, () =>
  Effect.gen(function*() {
    yield* Console.log(formatList(yield* (yield* Backups).list))
  })).pipe(Command.withDescription("List the database backups, newest first"))

const create = Command.make("create", {}, () =>
  Effect.gen(function*() {
    // Under the backup lock, like the server's job: a backup from here never races one from a running server.
    const file = yield* (yield* Backups).create
    yield* Console.log(`Created ${file.name} (${formatSize(file.size)})`)
  })).pipe(Command.withDescription("Back up the database into <media location>/backups now"))

const prune = Command.make(
  "prune",
  {
    keep: Flag.Int("keep").pipe(
      Flag.withDescription("How many routine backups to keep"),
      Flag.withDefault(BACKUP_DEFAULTS.keepLast)
    )
  },
  ({ keep }) =>
    Effect.gen(function*() {
      if (keep < 1) {
        return yield* new CliFailure({ message: "--keep must be at least 1: pruning never deletes the newest backup" })
      }
      const { cleaned, deleted } = yield* (yield* Backups).pruneAndCleanUp(keep)
      yield* Console.log(
        deleted.length === 0
          ? `Nothing to delete: at most ${keep} routine backups.`
          : `Deleted ${deleted.length}:\n${deleted.map((n) => `  ${n}`).join("\n")}`
      )
      if (cleaned > 0) yield* Console.log(`Removed ${cleaned} leftovers of interrupted backups.`)
    })
).pipe(Command.withDescription("Delete routine backups past the newest --keep, and leftovers of interrupted ones"))

const restore = Command.make(
  "restore",
  {
    name: Argument.String("name").pipe(Argument.withDescription("The backup's file name, as `backups list` shows it")),
    to: Flag.String("to").pipe(Flag.withDescription("The database to restore into: postgres://user@host:5432/database"))
  },
  ({ name, to }) =>
    Effect.gen(function*() {
      const target = parseDatabaseEnv({ DB_URL: to })
      if (!target.ok) {
        return yield* new CliFailure({ message: `--to ${target.problems.map((p) => p.problem).join("; ")}` })
      }
      yield* (yield* Backups).restore(name, target.settings)
      yield* Console.log(`Restored ${name} into ${target.settings.database}`)
    })
).pipe(Command.withDescription("Stream a backup through gunzip into psql against a database"))

// The services go to each subcommand, not to the group: `backups` alone shows its help and connects to nothing.
const withServices = <const Name extends string, Input, E, R, Context>(
  command: Command.Command<Name, Input, Context, E, R>
) => Command.provide(command, CliLayers.backups)

export const backupsCommand = Command.make("backups").pipe(
  Command.withDescription("Database backups in <media location>/backups: list, create, prune, restore"),
  Command.withSubcommands([
    withServices(list),
    withServices(create),
    withServices(prune),
    withServices(restore)
  ])
)
