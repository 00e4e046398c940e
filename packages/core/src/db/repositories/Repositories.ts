import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Database } from "../Database.ts"
import type { DatabaseShape } from "../Database.ts"
import type { DatabaseError } from "../errors.ts"
import { ensureSchema } from "../ownSchema.ts"
import { makeApiKeyRepository } from "./apiKeys.ts"
import type { ApiKeyRepository } from "./apiKeys.ts"
import { makeAssetFileRepository } from "./assetFiles.ts"
import type { AssetFileRepository } from "./assetFiles.ts"
import { makeAssetRepository } from "./assets.ts"
import type { AssetRepository } from "./assets.ts"
import { describeSchema, schemaFromFacts } from "./immichSchema.ts"
import type { ImmichSchema } from "./immichSchema.ts"
import { readSchemaFacts } from "./schemaFacts.ts"
import { makeSessionRepository } from "./sessions.ts"
import type { SessionRepository } from "./sessions.ts"
import { makeTimelineRepository } from "./timeline.ts"
import type { TimelineRepository } from "./timeline.ts"
import { makeUserRepository } from "./users.ts"
import type { UserRepository } from "./users.ts"

export interface RepositoriesShape {
  /** What the database holds, detected once at start. */
  readonly schema: ImmichSchema
  readonly assets: AssetRepository
  readonly assetFiles: AssetFileRepository
  readonly users: UserRepository
  readonly apiKeys: ApiKeyRepository
  /** The month-by-month timeline of one owner's assets. */
  readonly timeline: TimelineRepository
  readonly sessions: SessionRepository
}

const make = (detect: (db: DatabaseShape) => Effect.Effect<ImmichSchema, DatabaseError>) =>
  Effect.gen(function*() {
    const db = yield* Database
    const schema = yield* detect(db)
    yield* Effect.logInfo(describeSchema(schema))
    return Repositories.of({
      schema,
      assets: makeAssetRepository(db.query, schema),
      assetFiles: makeAssetFileRepository(db.query),
      users: makeUserRepository(schema),
      apiKeys: makeApiKeyRepository(db.query, schema),
      timeline: makeTimelineRepository(db.query, schema),
      sessions: makeSessionRepository(db.query, schema)
    })
  })

/**
 * The repositories of Immich's tables, each with the statements for the schema found. The SQL of the
 * rest (path columns, system metadata, activity) does not depend on the version and is used directly.
 */
export class Repositories
  extends Context.Service<Repositories, RepositoriesShape>()("@immich-storage/core/Repositories") {
  /** For tools: reads the schema and changes nothing. */
  static readonly layer: Layer.Layer<Repositories, DatabaseError, Database> = Layer.effect(
    Repositories,
    make((db) => readSchemaFacts(db.query).pipe(Effect.map(schemaFromFacts)))
  )
  /** For the server: creates our own tables first where Immich's migrations do not manage the database. */
  static readonly layerPrepared: Layer.Layer<Repositories, DatabaseError, Database> = Layer.effect(
    Repositories,
    make(ensureSchema)
  )
}
