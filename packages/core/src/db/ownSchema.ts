import * as Effect from "effect/Effect"
import type { Query } from "./Database.ts"
import { lockForTransaction } from "./Database.ts"
import type { DatabaseShape } from "./Database.ts"
import type { DatabaseError } from "./errors.ts"
import { LOCK_IDS } from "./lockIds.ts"
import { schemaFromFacts } from "./repositories/immichSchema.ts"
import type { ImmichSchema } from "./repositories/immichSchema.ts"
import { readSchemaFacts } from "./repositories/schemaFacts.ts"

/** Immich's lock id for its own migrations: an Immich server and we never create tables at the same time. */
export const MIGRATIONS_LOCK_ID = LOCK_IDS.migrations

/**
 * The tables this project creates in a database of its own: the path-bearing part of Immich's schema with
 * upstream's names and types as of v3.0–v3.1 (no device columns, integer durations, `person` keyed by
 * `id`, no cluster groups). They run only where Immich's migrations do not manage the database
 * (`prepareSchema`), and create only what is absent. Sidecars and encoded videos are `asset_file` rows, as
 * in current Immich.
 */
export const SCHEMA_STATEMENTS: ReadonlyArray<string> = [
  `DO $$ BEGIN CREATE TYPE assets_status_enum AS ENUM ('active', 'trashed', 'deleted');
    EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
  `DO $$ BEGIN CREATE TYPE asset_visibility_enum AS ENUM ('archive', 'timeline', 'hidden', 'locked');
    EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
  `DO $$ BEGIN CREATE TYPE asset_checksum_algorithm_enum AS ENUM ('sha1', 'sha1-path');
    EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
  `CREATE TABLE IF NOT EXISTS "user" (
    "id" uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    "email" character varying NOT NULL CONSTRAINT "user_email_uq" UNIQUE,
    "password" character varying NOT NULL DEFAULT '',
    "name" character varying NOT NULL DEFAULT '',
    "isAdmin" boolean NOT NULL DEFAULT false,
    "profileImagePath" character varying NOT NULL DEFAULT '',
    "profileChangedAt" timestamp with time zone NOT NULL DEFAULT now(),
    "storageLabel" character varying CONSTRAINT "user_storageLabel_uq" UNIQUE,
    "quotaSizeInBytes" bigint,
    "quotaUsageInBytes" bigint NOT NULL DEFAULT 0,
    "status" character varying NOT NULL DEFAULT 'active',
    "createdAt" timestamp with time zone NOT NULL DEFAULT now(),
    "updatedAt" timestamp with time zone NOT NULL DEFAULT now(),
    "deletedAt" timestamp with time zone
  )`,
  `CREATE TABLE IF NOT EXISTS "library" (
    "id" uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    "name" character varying NOT NULL,
    "ownerId" uuid NOT NULL REFERENCES "user" ("id") ON UPDATE CASCADE ON DELETE CASCADE,
    "importPaths" text[] NOT NULL,
    "exclusionPatterns" text[] NOT NULL,
    "createdAt" timestamp with time zone NOT NULL DEFAULT now(),
    "updatedAt" timestamp with time zone NOT NULL DEFAULT now(),
    "deletedAt" timestamp with time zone,
    "refreshedAt" timestamp with time zone
  )`,
  `CREATE TABLE IF NOT EXISTS "asset" (
    "id" uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    "ownerId" uuid NOT NULL REFERENCES "user" ("id") ON UPDATE CASCADE ON DELETE CASCADE,
    "libraryId" uuid REFERENCES "library" ("id") ON UPDATE CASCADE ON DELETE CASCADE,
    "type" character varying NOT NULL,
    "originalPath" character varying NOT NULL,
    "originalFileName" character varying NOT NULL,
    "checksum" bytea NOT NULL,
    "checksumAlgorithm" asset_checksum_algorithm_enum NOT NULL,
    "fileCreatedAt" timestamp with time zone NOT NULL,
    "fileModifiedAt" timestamp with time zone NOT NULL,
    "localDateTime" timestamp with time zone NOT NULL,
    "isFavorite" boolean NOT NULL DEFAULT false,
    "isExternal" boolean NOT NULL DEFAULT false,
    "isOffline" boolean NOT NULL DEFAULT false,
    "visibility" asset_visibility_enum NOT NULL DEFAULT 'timeline',
    "status" assets_status_enum NOT NULL DEFAULT 'active',
    "duration" integer,
    "width" integer,
    "height" integer,
    "createdAt" timestamp with time zone NOT NULL DEFAULT now(),
    "updatedAt" timestamp with time zone NOT NULL DEFAULT now(),
    "deletedAt" timestamp with time zone
  )`,
  `CREATE UNIQUE INDEX IF NOT EXISTS "UQ_assets_owner_checksum" ON "asset" ("ownerId", "checksum")
    WHERE ("libraryId" IS NULL)`,
  `CREATE INDEX IF NOT EXISTS "asset_ownerId_idx" ON "asset" ("ownerId")`,
  // Ours alone (Immich's own databases have upstream's indexes): one timeline month is one range scan.
  `CREATE INDEX IF NOT EXISTS "asset_ownerId_localDate_idx"
    ON "asset" ("ownerId", (("localDateTime" AT TIME ZONE 'UTC')::date))`,
  `CREATE TABLE IF NOT EXISTS "asset_file" (
    "id" uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    "assetId" uuid NOT NULL REFERENCES "asset" ("id") ON UPDATE CASCADE ON DELETE CASCADE,
    "type" character varying NOT NULL,
    "path" character varying NOT NULL,
    "isEdited" boolean NOT NULL DEFAULT false,
    "isProgressive" boolean NOT NULL DEFAULT false,
    "isTransparent" boolean NOT NULL DEFAULT false,
    "createdAt" timestamp with time zone NOT NULL DEFAULT now(),
    "updatedAt" timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT "asset_file_assetId_type_isEdited_uq" UNIQUE ("assetId", "type", "isEdited")
  )`,
  `CREATE INDEX IF NOT EXISTS "asset_file_assetId_idx" ON "asset_file" ("assetId")`,
  `CREATE TABLE IF NOT EXISTS "person" (
    "id" uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    "ownerId" uuid NOT NULL REFERENCES "user" ("id") ON UPDATE CASCADE ON DELETE CASCADE,
    "name" character varying NOT NULL DEFAULT '',
    "thumbnailPath" character varying NOT NULL DEFAULT '',
    "isHidden" boolean NOT NULL DEFAULT false,
    "createdAt" timestamp with time zone NOT NULL DEFAULT now(),
    "updatedAt" timestamp with time zone NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS "move_history" (
    "id" uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    "entityId" uuid NOT NULL,
    "pathType" character varying NOT NULL,
    "oldPath" character varying NOT NULL,
    "newPath" character varying NOT NULL CONSTRAINT "UQ_newPath" UNIQUE,
    CONSTRAINT "UQ_entityId_pathType" UNIQUE ("entityId", "pathType")
  )`,
  `CREATE TABLE IF NOT EXISTS "system_metadata" (
    "key" character varying NOT NULL PRIMARY KEY,
    "value" jsonb NOT NULL
  )`,
  // Immich's API keys: the key itself is never stored, only its SHA-256 digest (upstream v2+: bytea).
  `CREATE TABLE IF NOT EXISTS "api_key" (
    "id" uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    "name" character varying NOT NULL,
    "key" bytea NOT NULL,
    "userId" uuid NOT NULL REFERENCES "user" ("id") ON UPDATE CASCADE ON DELETE CASCADE,
    "createdAt" timestamp with time zone NOT NULL DEFAULT now(),
    "updatedAt" timestamp with time zone NOT NULL DEFAULT now(),
    "permissions" character varying[] NOT NULL,
    "updateId" uuid NOT NULL DEFAULT gen_random_uuid()
  )`,
  `CREATE INDEX IF NOT EXISTS "api_key_key_idx" ON "api_key" ("key")`,
  `CREATE INDEX IF NOT EXISTS "api_key_userId_idx" ON "api_key" ("userId")`,
  // Immich's logins: `token` is the SHA-256 digest (base64) of the client's token, as upstream stores it.
  `CREATE TABLE IF NOT EXISTS "session" (
    "id" uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    "token" character varying NOT NULL,
    "createdAt" timestamp with time zone NOT NULL DEFAULT now(),
    "updatedAt" timestamp with time zone NOT NULL DEFAULT now(),
    "expiresAt" timestamp with time zone,
    "userId" uuid NOT NULL REFERENCES "user" ("id") ON UPDATE CASCADE ON DELETE CASCADE,
    "parentId" uuid REFERENCES "session" ("id") ON UPDATE CASCADE ON DELETE CASCADE,
    "deviceType" character varying NOT NULL DEFAULT '',
    "deviceOS" character varying NOT NULL DEFAULT '',
    "appVersion" character varying DEFAULT NULL,
    "updateId" uuid NOT NULL DEFAULT gen_random_uuid(),
    "isPendingSyncReset" boolean NOT NULL DEFAULT false,
    "pinExpiresAt" timestamp with time zone
  )`,
  `CREATE INDEX IF NOT EXISTS "session_userId_idx" ON "session" ("userId")`,
  // Upstream looks sessions up by token without an index; our own database has one.
  `CREATE INDEX IF NOT EXISTS "session_token_idx" ON "session" ("token")`
]

/**
 * Makes the database usable and says what it holds: in a database Immich's migrations manage, nothing is
 * created, added or altered (upstream owns every column); in any other, our own tables are created when
 * absent. Runs in one transaction under Immich's migrations lock, so it never races an Immich server's
 * migrations, and returns the schema found afterwards.
 */
export const ensureSchema = (db: DatabaseShape): Effect.Effect<ImmichSchema, DatabaseError> =>
  db.transaction((tx: Query) =>
    Effect.gen(function*() {
      yield* lockForTransaction(tx, MIGRATIONS_LOCK_ID)
      const found = schemaFromFacts(yield* readSchemaFacts(tx))
      if (found.managedByImmich) return found
      for (const statement of SCHEMA_STATEMENTS) yield* tx("create the schema", (sql) => sql.unsafe(statement))
      return schemaFromFacts(yield* readSchemaFacts(tx))
    })
  ).pipe(Effect.withSpan("ensureSchema"))
