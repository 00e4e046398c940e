import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import postgres from "postgres"
import type { InvalidConfiguration } from "../config/InvalidConfiguration.ts"
import { describeDatabase, loadDatabaseSettings } from "./databaseSettings.ts"
import type { DatabaseSettings } from "./databaseSettings.ts"
import { DatabaseMissing, fromPostgresError } from "./errors.ts"
import type { DatabaseError } from "./errors.ts"

export type Sql = postgres.Sql
/** Runs postgres.js queries against a connection, with errors mapped at the boundary. */
export type Query = <A>(operation: string, run: (sql: postgres.Sql) => Promise<A>) => Effect.Effect<A, DatabaseError>

export interface DatabaseShape {
  readonly settings: DatabaseSettings
  /**
   * Runs `effect` while holding session advisory lock `lockId`, or returns None at once when another
   * session holds it (Immich's pattern for jobs that one instance of many should run).
   */
  readonly withTryLock: <A, E, R>(
    lockId: number,
    effect: Effect.Effect<A, E, R>
  ) => Effect.Effect<Option.Option<A>, E | DatabaseError, R>
  /** One statement (or a few) on the pool. */
  readonly query: Query
  /** BEGIN … COMMIT on one connection; rolled back when the body fails or is interrupted. */
  readonly transaction: <A, E, R>(body: (tx: Query) => Effect.Effect<A, E, R>) => Effect.Effect<A, E | DatabaseError, R>
}

/** Where the database is: from DB_URL or Immich's DB_* variables. */
export class DatabaseConfig
  extends Context.Service<DatabaseConfig, DatabaseSettings>()("@immich-storage/core/DatabaseConfig") {
  static readonly layer: Layer.Layer<DatabaseConfig, InvalidConfiguration> = Layer.effect(
    DatabaseConfig,
    loadDatabaseSettings
  )
}

export class Database extends Context.Service<Database, DatabaseShape>()("@immich-storage/core/Database") {
  /** A pool on the configured database, which is created when it does not exist yet. */
  static readonly layer: Layer.Layer<Database, DatabaseError, DatabaseConfig> = Layer.effect(
    Database,
    Effect.gen(function*() {
      return yield* makeDatabase(yield* DatabaseConfig)
    })
  )
  /** A pool on the configured database, which must exist: for tools that work on an install and create nothing. */
  static readonly layerExisting: Layer.Layer<Database, DatabaseError, DatabaseConfig> = Layer.effect(
    Database,
    Effect.gen(function*() {
      return yield* makeDatabase(yield* DatabaseConfig, { create: false })
    })
  )
}

/** The server's connections show this in `pg_stat_activity`: the migration tells a running server by it. */
export const SERVER_APPLICATION_NAME = "immich-storage-server"

const connect = (settings: DatabaseSettings, database = settings.database, max = 10) =>
  postgres({
    connection: { application_name: settings.applicationName ?? "immich-storage" },
    host: settings.host,
    port: settings.port,
    user: settings.user,
    ...(settings.password === undefined ? {} : { password: Redacted.value(settings.password) }),
    database,
    max,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => undefined
  })

/**
 * A scoped pool: opened (and the database created when missing, unless `create` is false) now, closed
 * with the scope.
 */
export const makeDatabase = Effect.fnUntraced(function*(
  settings: DatabaseSettings,
  options: { readonly create?: boolean } = {}
) {
  const target = describeDatabase(settings)
  const query = (sql: postgres.Sql): Query => (operation, run) =>
    Effect.tryPromise({ try: () => run(sql), catch: fromPostgresError(target, operation) })

  const pool = yield* Effect.acquireRelease(
    Effect.sync(() => connect(settings)),
    (sql) => Effect.promise(() => sql.end({ timeout: 5 }))
  )
  const ping = query(pool)("connect", (sql) => sql`select 1`)
  const createThenPing = createDatabase(settings).pipe(
    Effect.andThen(Effect.logInfo(`Created database ${target}`)),
    Effect.andThen(ping)
  )
  yield* ping.pipe(
    Effect.catchTag("DatabaseMissing", (missing) => (options.create === false ? Effect.fail(missing) : createThenPing))
  )

  /**
   * Each transaction runs on a connection of its own, ended afterwards. postgres.js 3.4.9 cannot
   * recover a reserved connection whose backend was terminated (porsager/postgres#1199, #1208): given
   * back to the pool it poisons it. A dedicated connection is simply thrown away.
   */
  const transaction = <A, E, R>(body: (tx: Query) => Effect.Effect<A, E, R>) =>
    Effect.acquireUseRelease(
      Effect.sync(() => ({ connection: connect(settings, settings.database, 1), lost: false })),
      (held) => {
        // A lost connection was rolled back by the server; remember it so release does not talk to it.
        const tx: Query = (operation, run) =>
          query(held.connection)(operation, run).pipe(
            Effect.tapError((error) => Effect.sync(() => void (held.lost ||= error._tag === "DatabaseUnreachable")))
          )
        return Effect.gen(function*() {
          yield* tx("begin a transaction", (sql) => sql`begin`)
          const result = yield* body(tx)
          yield* tx("commit", (sql) => sql`commit`)
          return result
        })
      },
      (held, exit) => {
        const rollback = Exit.isSuccess(exit) || held.lost
          ? Effect.void
          : Effect.promise(() => held.connection`rollback`.then(() => undefined, () => undefined)).pipe(
            Effect.timeout("5 seconds"),
            Effect.ignore
          )
        const end = Effect.promise(() => held.connection.end({ timeout: held.lost ? 0 : 5 }).catch(() => undefined))
        return rollback.pipe(Effect.andThen(end))
      }
    )

  const tryLock = (connection: postgres.Sql, lockId: number) =>
    query(connection)(
      "try the advisory lock",
      (sql) => sql<Array<{ locked: boolean }>>`select pg_try_advisory_lock(${lockId}) as locked`
    )

  // Session locks live as long as their connection: a dedicated one, ended afterwards (see `transaction`).
  const withTryLock = <A, E, R>(lockId: number, effect: Effect.Effect<A, E, R>) =>
    Effect.acquireUseRelease(
      Effect.sync(() => connect(settings, settings.database, 1)),
      (connection) =>
        tryLock(connection, lockId).pipe(
          Effect.flatMap((rows) => (rows[0]?.locked === true ? Effect.asSome(effect) : Effect.succeedNone))
        ),
      (connection) => Effect.promise(() => connection.end({ timeout: 5 }).catch(() => undefined))
    )

  const shape: DatabaseShape = { settings, query: query(pool), transaction, withTryLock }
  return shape
})

/** CREATE DATABASE through the maintenance database, as the same user. */
const createDatabase = (settings: DatabaseSettings) =>
  Effect.acquireUseRelease(
    Effect.sync(() => connect(settings, "postgres")),
    (admin) =>
      Effect.tryPromise({
        try: () => admin`create database ${admin(settings.database)}`,
        catch: fromPostgresError(describeDatabase(settings), "create the database")
      }).pipe(
        // Another instance may have created it at the same moment.
        Effect.catchIf((error) => error._tag === "DatabaseQueryFailed" && error.code === "42P04", () => Effect.void),
        Effect.mapError((error) =>
          error._tag === "DatabaseQueryFailed"
            ? new DatabaseMissing({ target: describeDatabase(settings), detail: error.detail })
            : error
        )
      ),
    (admin) => Effect.promise(() => admin.end({ timeout: 5 }))
  )

/** Takes a transaction-scoped advisory lock: released by COMMIT, ROLLBACK or a crashed connection. */
export const lockForTransaction = (tx: Query, lockId: number) =>
  tx("take the advisory lock", (sql) => sql`select pg_advisory_xact_lock(${lockId})`).pipe(Effect.asVoid)
