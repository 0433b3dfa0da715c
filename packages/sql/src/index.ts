/**
 * `@scim/sql`: the SCIM storage over a SQL database, on Kysely. One implementation covers SQLite
 * (better-sqlite3), PostgreSQL (pg), MySQL and MariaDB (mysql2) and PGlite. Lookups identity
 * providers make are indexed columns, filters become parameterised SQL, group members are rows,
 * and every write commits with its lifecycle events in one transaction. `createSqlEventStores`
 * keeps `@scim/events`' streams and queued SETs in the same database, and `createSqlTokenStore`
 * the bearer tokens of `@scim/server`'s token manager.
 *
 * @example
 * ```ts
 * import { createScimHandler } from '@scim/server';
 * import { createSqlStorage, migrate, openDatabase } from '@scim/sql';
 *
 * const { db } = await openDatabase(process.env.SCIM_DATABASE_URL ?? 'sqlite:./data/scim.db');
 * await migrate(db);
 * const handler = createScimHandler({ ...createSqlStorage({ db }), authenticate });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 * @packageDocumentation
 */
export { type SqlDialectName } from './lib/dialect.js';
export {
  migrate,
  schemaSql,
  SCHEMA_VERSION,
  type MigrationResult,
  type SchemaOptions,
} from './lib/schema.js';
export { createSqlStorage, type SqlStorage, type SqlStorageOptions } from './lib/storage.js';
export { type SqlOutbox } from './lib/outbox.js';
export {
  createSqlEventStores,
  type SqlEventStores,
  type SqlEventStoresOptions,
} from './lib/event-stores.js';
export { type SqlSetQueue } from './lib/event-queue.js';
export { createSqlTokenStore, type SqlTokenStoreOptions } from './lib/token-store.js';
export { pgliteDialect, type PGliteLike } from './lib/pglite.js';
export { openDatabase, type OpenedDatabase } from './lib/connect.js';
export { cacheSqliteStatements, type SqliteStatementCacheOptions } from './lib/statements.js';
export { drizzleSchema, prismaSchema } from './lib/emit.js';
