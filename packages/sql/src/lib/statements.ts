// SQLite statements, prepared once per SQL text. Kysely's SQLite driver prepares every statement it
// runs; for the store's small indexed lookups, preparing costs more than running (a GET by id spent
// about 40% of its time in prepare), and the store runs the same few texts again and again.
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Options of {@link cacheSqliteStatements}.
 * @example `cacheSqliteStatements(database, { size: 1000 })`
 * @see https://www.sqlite.org/c3ref/prepare.html
 */
export interface SqliteStatementCacheOptions {
  /**
   * The most statements kept, least recently used first out. The store's texts are a few dozen;
   * `IN (…)` lists of different lengths are different texts, hence the margin.
   * @defaultValue 500
   */
  readonly size?: number;
}

/**
 * Wraps a better-sqlite3 database (or any {@link SqliteDatabase}) so that `prepare` returns the
 * statement prepared before for the same SQL text, for Kysely's `SqliteDialect`. `openDatabase`
 * does this for `sqlite:` URLs; call it yourself when you build the dialect.
 *
 * Reusing a statement is safe under Kysely: better-sqlite3 runs a statement to completion within
 * one call, and Kysely's SQLite driver runs one query at a time on its connection. A statement
 * still busy (an iteration left open) is never handed out: a fresh one is prepared instead. SQLite
 * re-prepares a cached statement by itself when the schema changes (a migration).
 *
 * @example
 * ```ts
 * import Database from 'better-sqlite3';
 * import { Kysely, SqliteDialect } from 'kysely';
 * import { cacheSqliteStatements } from '@scim/sql';
 *
 * const database = cacheSqliteStatements(new Database('./data/scim.db'));
 * const db = new Kysely({ dialect: new SqliteDialect({ database }) });
 * ```
 * @see https://www.sqlite.org/c3ref/prepare.html
 */
export function cacheSqliteStatements<Database extends SqliteDatabase>(
  database: Database,
  { size = 500 }: SqliteStatementCacheOptions = {},
): SqliteDatabase {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`size must be a positive integer, not ${String(size)}`);
  const statements = new Map<string, SqliteStatement>();
  return {
    prepare(text) {
      const cached = statements.get(text);
      if (cached !== undefined && (cached as { busy?: boolean }).busy !== true) {
        // Most recently used last: a Map keeps insertion order.
        statements.delete(text);
        statements.set(text, cached);
        return cached;
      }
      const statement = database.prepare(text);
      if (cached === undefined) {
        statements.set(text, statement);
        if (statements.size > size) {
          const oldest = statements.keys().next().value as string;
          statements.delete(oldest);
        }
      }
      return statement;
    },
    close() {
      statements.clear();
      database.close();
    },
  };
}
