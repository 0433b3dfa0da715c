// Which SQL the storage speaks, and the database errors it must tell apart. One implementation
// covers SQLite, PostgreSQL (and PGlite) and MySQL/MariaDB; the differences live here.
import { MysqlAdapter, PostgresAdapter, SqliteAdapter, type Kysely } from 'kysely';

/**
 * The SQL dialects `@scim/sql` speaks. PGlite speaks `postgres`; MariaDB speaks `mysql`.
 * @example `'postgres'`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export type SqlDialectName = 'sqlite' | 'postgres' | 'mysql';

/** The dialect of a Kysely instance, read from its adapter. */
export function dialectOf<DB>(db: Kysely<DB>): SqlDialectName {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof SqliteAdapter) return 'sqlite';
  if (adapter instanceof PostgresAdapter) return 'postgres';
  if (adapter instanceof MysqlAdapter) return 'mysql';
  // A third-party dialect built on one of the three keeps its name in the constructor.
  const name = adapter.constructor.name.toLowerCase();
  if (name.includes('sqlite')) return 'sqlite';
  if (name.includes('postgres') || name.includes('pg')) return 'postgres';
  if (name.includes('mysql') || name.includes('maria')) return 'mysql';
  throw new TypeError(
    `@scim/sql does not know the dialect of this Kysely instance (${adapter.constructor.name}); pass { dialect }`,
  );
}

/** A table prefix: letters, digits and underscores, so it can be spliced into SQL as a name. */
const PREFIX = /^[a-z_][a-z0-9_]{0,30}$/;

/** The storage's tables, under the application's prefix (default `scim_`). */
export interface TableNames {
  readonly resources: string;
  readonly members: string;
  readonly emails: string;
  readonly unique: string;
  readonly outbox: string;
  readonly migrations: string;
  /** `@scim/events` streams (see event-streams.ts). */
  readonly eventStreams: string;
  /** One row per stream the SET queue knows: its lock, and when it was removed. */
  readonly eventQueues: string;
  /** Queued Security Event Tokens (see event-queue.ts). */
  readonly eventSets: string;
  /** Issued bearer tokens, by their digest (see token-store.ts). */
  readonly tokens: string;
}

export function tableNames(prefix = 'scim_'): TableNames {
  if (!PREFIX.test(prefix))
    throw new TypeError(
      `Table prefix '${prefix}' must be lower-case letters, digits and underscores`,
    );
  return {
    resources: `${prefix}resources`,
    members: `${prefix}members`,
    emails: `${prefix}emails`,
    unique: `${prefix}unique_values`,
    outbox: `${prefix}outbox`,
    migrations: `${prefix}migrations`,
    eventStreams: `${prefix}event_streams`,
    eventQueues: `${prefix}event_queues`,
    eventSets: `${prefix}event_sets`,
    tokens: `${prefix}tokens`,
  };
}

/** Reads a driver error's code (`23505`, `SQLITE_CONSTRAINT_UNIQUE`, `ER_DUP_ENTRY`). */
function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  if (typeof code === 'string') return code;
  if (typeof errno === 'number') return String(errno);
  return undefined;
}

/** A unique or primary-key constraint refused the write. */
export function isUniqueViolation(error: unknown): boolean {
  const code = codeOf(error);
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'ER_DUP_ENTRY' ||
    code === '1062'
  );
}

/**
 * The database gave up on the transaction for a reason a retry cures: a serialization failure or a
 * deadlock (PostgreSQL, CockroachDB), a deadlock or lock wait timeout (MySQL), a busy database
 * (SQLite with several processes on one file).
 */
export function isTransient(error: unknown): boolean {
  const code = codeOf(error);
  return (
    code === '40001' ||
    code === '40P01' ||
    code === 'ER_LOCK_DEADLOCK' ||
    code === '1213' ||
    code === 'ER_LOCK_WAIT_TIMEOUT' ||
    code === '1205' ||
    code === 'SQLITE_BUSY' ||
    code === 'SQLITE_BUSY_SNAPSHOT'
  );
}
