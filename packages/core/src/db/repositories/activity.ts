import * as Effect from "effect/Effect"
import type { Query } from "../Database.ts"
import { SERVER_APPLICATION_NAME } from "../Database.ts"

/** `pg_stat_activity`: who else is connected to this database. */
export const activity = {
  /** Connections of a running immich-storage server (they name themselves `SERVER_APPLICATION_NAME`). */
  serverConnections: (q: Query) =>
    q("look for a running server", (sql) =>
      sql<Array<{ n: number }>>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database()
          and application_name = ${SERVER_APPLICATION_NAME}`).pipe(Effect.map((rows) => rows[0]?.n ?? 0))
}
