// Applying the migrations of migrations.ts: `migrate` runs, under a lock in the database, those a
// database has not applied yet; `schemaSql` gives them all as a script for applications that own
// their migrations.
import { sql, type Kysely } from 'kysely';
import type { Db } from './shared.js';
import { dialectOf, tableNames, type SqlDialectName, type TableNames } from './dialect.js';
import { MIGRATIONS, migrationsTable, typesOf } from './migrations.js';

/**
 * The newest schema version this release knows: what {@link migrate} brings a database to.
 * @example `if ((await migrate(db)).version !== SCHEMA_VERSION) throw new Error('old schema');`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export const SCHEMA_VERSION: number = MIGRATIONS.length;

/**
 * Options of {@link migrate} and {@link schemaSql}.
 * @example `{ tablePrefix: 'scim_' }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface SchemaOptions {
  /** Prefix of every table and index name (default `scim_`): lower-case letters, digits, `_`. */
  readonly tablePrefix?: string;
  /**
   * MySQL and MariaDB only: the tables' collation. It must compare code points without padding:
   * `utf8mb4_0900_bin` on MySQL 8 (the default of {@link schemaSql}), `utf8mb4_nopad_bin` on
   * MariaDB. {@link migrate} asks the server which it is.
   */
  readonly mysqlCollation?: string;
}

/**
 * The whole schema as plain SQL statements for one dialect, for applications that own their
 * migrations (a Prisma or Drizzle migration, Flyway, a DBA's review). Every statement is idempotent.
 * @example
 * ```ts
 * import { schemaSql } from '@scim/sql';
 * writeFileSync('migrations/001_scim.sql', schemaSql('postgres').join(';\n\n') + ';\n');
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export function schemaSql(dialect: SqlDialectName, options: SchemaOptions = {}): string[] {
  const t = tableNames(options.tablePrefix);
  const y = typesOf(dialect, options.mysqlCollation);
  return [
    migrationsTable(t, y),
    ...MIGRATIONS.flatMap((migration) => [
      ...migration.statements(t, y, dialect),
      `${insertOnce(dialect)} ${t.migrations} (version, name, applied_ms) VALUES (${migration.version}, '${migration.name}', 0)${dialect === 'postgres' ? ' ON CONFLICT (version) DO NOTHING' : ''}`,
    ]),
  ];
}

/** An INSERT that does nothing when the row is there, so the emitted script can run twice. */
function insertOnce(dialect: SqlDialectName): string {
  if (dialect === 'sqlite') return 'INSERT OR IGNORE INTO';
  if (dialect === 'mysql') return 'INSERT IGNORE INTO';
  return 'INSERT INTO';
}

/**
 * Runs `work` holding the database's migration lock for this table prefix, so servers starting
 * together migrate one after another: PostgreSQL's catalog refuses two concurrent CREATE TABLEs of
 * one name even with IF NOT EXISTS. PostgreSQL takes a transaction-scoped advisory lock (its DDL is
 * transactional, so a failed migration leaves nothing), MySQL a named lock on one connection, and
 * SQLite an immediate transaction.
 */
async function underMigrationLock<T>(
  db: Db,
  dialect: SqlDialectName,
  tables: TableNames,
  work: (executor: Db) => Promise<T>,
): Promise<T> {
  const name = `scim-migrate:${tables.migrations}`;
  if (dialect === 'postgres')
    return db.transaction().execute(async (transaction) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext(${name}))`.execute(transaction);
      return work(transaction);
    });
  return db.connection().execute(async (connection) => {
    if (dialect === 'mysql') {
      const locked = await sql<{
        locked: unknown;
      }>`SELECT GET_LOCK(${name}, 120) AS locked`.execute(connection);
      if (Number(locked.rows[0]?.locked) !== 1)
        throw new Error(`Timed out waiting for the migration lock '${name}'`);
      try {
        return await work(connection);
      } finally {
        await sql`SELECT RELEASE_LOCK(${name})`.execute(connection);
      }
    }
    await sql`BEGIN IMMEDIATE`.execute(connection);
    try {
      const result = await work(connection);
      await sql`COMMIT`.execute(connection);
      return result;
    } catch (error) {
      await sql`ROLLBACK`.execute(connection).catch(() => undefined);
      throw error;
    }
  });
}

/**
 * What {@link migrate} did: the versions it applied now, and the schema version the database is at.
 * @example `{ applied: [1, 2, 3, 4, 5], version: 5, milliseconds: 41 }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface MigrationResult {
  readonly applied: readonly number[];
  readonly version: number;
  readonly milliseconds: number;
}

/**
 * Brings the database to the newest schema: applies, in order, each migration it has not applied
 * yet, and records it. Idempotent: a second call applies nothing. Servers starting together are
 * safe: they take a migration lock in the database (an advisory lock on PostgreSQL, a named lock on
 * MySQL, an immediate transaction on SQLite) and migrate one after another.
 * @example
 * ```ts
 * import { migrate } from '@scim/sql';
 * const { applied } = await migrate(db); // [1, 2, 3] on an empty database, [] after that
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export async function migrate<DB>(
  db: Kysely<DB>,
  options: SchemaOptions & { readonly dialect?: SqlDialectName } = {},
): Promise<MigrationResult> {
  const started = performance.now();
  const dialect = options.dialect ?? dialectOf(db);
  const t = tableNames(options.tablePrefix);
  let collation = options.mysqlCollation;
  if (dialect === 'mysql' && collation === undefined) {
    const version = await sql<{ version: string }>`SELECT VERSION() AS version`.execute(db);
    collation = /mariadb/i.test(version.rows[0]?.version ?? '')
      ? 'utf8mb4_nopad_bin'
      : 'utf8mb4_0900_bin';
  }
  const y = typesOf(dialect, collation);
  const applied = await underMigrationLock(db as unknown as Db, dialect, t, async (executor) => {
    await sql.raw(migrationsTable(t, y)).execute(executor);
    const done = await sql<{
      version: number | string;
    }>`SELECT version FROM ${sql.table(t.migrations)}`.execute(executor);
    const have = new Set(done.rows.map((row) => Number(row.version)));
    const now: number[] = [];
    for (const migration of MIGRATIONS) {
      if (have.has(migration.version)) continue;
      for (const statement of migration.statements(t, y, dialect))
        await sql.raw(statement).execute(executor);
      await sql`INSERT INTO ${sql.table(t.migrations)} (version, name, applied_ms) VALUES (${migration.version}, ${migration.name}, ${Date.now()})`.execute(
        executor,
      );
      now.push(migration.version);
    }
    return now;
  });
  return { applied, version: SCHEMA_VERSION, milliseconds: performance.now() - started };
}
