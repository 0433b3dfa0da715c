// The SQL storage: stores for every resource type, the outbox and transactions over one database,
// ready to spread into createScimHandler's options.
import { GroupResourceType, UserResourceType, type ScimResourceType } from '@scim/core';
import type { ScimStore, TransactionContext } from '@scim/server';
import { sql, type Kysely } from 'kysely';
import { dialectOf, tableNames, type SqlDialectName } from './dialect.js';
import { createSqlOutbox, type SqlOutbox } from './outbox.js';
import { inTransaction, membersAttributeOf, type Db, type Shared } from './shared.js';
import { createSqlStore } from './store.js';

/**
 * Options of {@link createSqlStorage}.
 * @example `{ db, tablePrefix: 'scim_', resourceTypes: [UserResourceType, GroupResourceType] }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface SqlStorageOptions<DB> {
  /** The application's own Kysely instance, so the store shares its connection pool. */
  readonly db: Kysely<DB>;
  /** The dialect, when it cannot be read from the Kysely instance's adapter. */
  readonly dialect?: SqlDialectName;
  /** Prefix of the storage's tables (default `scim_`), as given to {@link migrate}. */
  readonly tablePrefix?: string;
  /** The resource types to keep (default User and Group). */
  readonly resourceTypes?: readonly ScimResourceType[];
  /** How many times a transaction the database aborted (deadlock, serialization, busy) is run (default 5). */
  readonly transactionAttempts?: number;
  /**
   * The most rows a filter the database cannot decide alone may read before the query is refused
   * as too broad (`tooMany`; default 100,000).
   */
  readonly scanLimit?: number;
  /** The clock of the outbox's `retry` (tests move it). */
  readonly now?: () => Date;
}

/**
 * Everything a handler keeps, in a SQL database: spread it into `createScimHandler`'s options.
 * @example
 * ```ts
 * const storage = createSqlStorage({ db });
 * const handler = createScimHandler({ ...storage, authenticate });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface SqlStorage {
  /** One store per resource type, by resource type name. */
  readonly stores: Readonly<Record<string, ScimStore>>;
  readonly outbox: SqlOutbox;
  /**
   * Runs `work` in a database transaction, retried from the start when the database aborts it for a
   * transient reason; stores receive the handle as `context.transaction`.
   */
  readonly transaction: <T>(
    work: (transaction: unknown) => Promise<T>,
    context?: TransactionContext,
  ) => Promise<T>;
  readonly dialect: SqlDialectName;
  /** Deletes every resource, member and outbox row of the storage's tables (tests, demos). */
  clear(): Promise<void>;
}

/**
 * Creates the SQL storage over a Kysely instance whose database {@link migrate} has prepared:
 * SQLite (better-sqlite3), PostgreSQL (pg), MySQL and MariaDB (mysql2), or PGlite. Each resource is
 * a row holding its JSON document beside indexed, normalised lookup columns; group members are rows;
 * every write, its clean-up and its lifecycle events commit in one transaction.
 * @example
 * ```ts
 * import { createSqlStorage, migrate, openDatabase } from '@scim/sql';
 * const { db } = await openDatabase('sqlite:./data/scim.db');
 * await migrate(db);
 * const handler = createScimHandler({ ...createSqlStorage({ db }), authenticate });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export function createSqlStorage<DB>(options: SqlStorageOptions<DB>): SqlStorage {
  const db = options.db as unknown as Db;
  const resourceTypes = options.resourceTypes ?? [UserResourceType, GroupResourceType];
  const memberTypes = resourceTypes.flatMap((resourceType) => {
    const members = membersAttributeOf(resourceType);
    return members === undefined ? [] : [{ name: resourceType.name, value: members.value }];
  });
  const shared: Shared = {
    db,
    dialect: options.dialect ?? dialectOf(options.db),
    tables: tableNames(options.tablePrefix),
    attempts: Math.max(1, options.transactionAttempts ?? 5),
    scanLimit: Math.max(1, options.scanLimit ?? 100_000),
    handles: new WeakSet(),
    seen: new WeakMap(),
    listed: new WeakMap(),
    memberTypes,
  };
  const store = createSqlStore(shared);
  const stores: Record<string, ScimStore> = {};
  for (const resourceType of resourceTypes) {
    if (Object.hasOwn(stores, resourceType.name))
      throw new TypeError(`Resource type '${resourceType.name}' is listed twice`);
    stores[resourceType.name] = store;
  }
  return {
    stores: Object.freeze(stores),
    outbox: createSqlOutbox(shared, options.now),
    transaction: (work) => inTransaction(shared, work),
    dialect: shared.dialect,
    async clear() {
      const t = shared.tables;
      for (const table of [t.outbox, t.members, t.emails, t.unique, t.resources])
        await sql`DELETE FROM ${sql.table(table)}`.execute(db);
    },
  };
}
