import * as Schema from "effect/Schema"

export class DatabaseUnreachable extends Schema.TaggedError<DatabaseUnreachable>()("DatabaseUnreachable", {
  target: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `Cannot reach PostgreSQL at ${this.target} (${this.detail}). ` +
      "Is it running? Check DB_HOSTNAME and DB_PORT (or DB_URL)."
  }
}

export class DatabaseAuthFailed extends Schema.TaggedError<DatabaseAuthFailed>()("DatabaseAuthFailed", {
  target: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `PostgreSQL refused the login at ${this.target} (${this.detail}). ` +
      "Check DB_USERNAME and DB_PASSWORD (or DB_URL)."
  }
}

export class DatabaseMissing extends Schema.TaggedError<DatabaseMissing>()("DatabaseMissing", {
  target: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `The database ${this.target} does not exist and could not be created (${this.detail}). ` +
      "Create it, or grant the user CREATEDB."
  }
}

export class DatabaseQueryFailed extends Schema.TaggedError<DatabaseQueryFailed>()("DatabaseQueryFailed", {
  operation: Schema.String,
  code: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `Database error while trying to ${this.operation}: ${this.detail} (SQLSTATE ${this.code})`
  }
}

export type DatabaseError = DatabaseUnreachable | DatabaseAuthFailed | DatabaseMissing | DatabaseQueryFailed

const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ECONNRESET"
])

/** Maps a postgres.js error (a server SQLSTATE or a socket error) to a database error. */
export const fromPostgresError = (target: string, operation: string) => (cause: unknown): DatabaseError => {
  const error = (cause ?? {}) as { code?: string; message?: string; errno?: string }
  const code = error.code ?? "UNKNOWN"
  const detail = error.message ?? String(cause)
  if (UNREACHABLE.has(code)) return new DatabaseUnreachable({ target, detail })
  if (code === "28P01" || code === "28000") return new DatabaseAuthFailed({ target, detail })
  if (code === "3D000") return new DatabaseMissing({ target, detail })
  return new DatabaseQueryFailed({ operation, code, detail })
}
