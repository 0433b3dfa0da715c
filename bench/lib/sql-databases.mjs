// The databases the @scim/sql benchmarks run on, opened by `openDatabase` as the examples open
// SCIM_DATABASE_URL: SQLite in a file of a fresh temporary directory (removed at the end), and
// PostgreSQL at SCIM_TEST_POSTGRES_URL under a fresh table prefix (its tables dropped at the end),
// or skipped with the reason printed. Both are migrated by `migrate()`, whose result (and time) is
// returned.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { migrate, openDatabase } from '../../packages/sql/dist/index.js';

const TABLES = [
  'event_sets',
  'event_queues',
  'event_streams',
  'outbox',
  'members',
  'emails',
  'unique_values',
  'resources',
  'tokens',
  'migrations',
];
const postgresUrl = process.env.SCIM_TEST_POSTGRES_URL;

/** The engines by name: `skipped` says why one does not run here. */
export const SQL_ENGINES = {
  sqlite: {
    skipped: undefined,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'scim-bench-sql-'));
      // Opened as the examples open SCIM_DATABASE_URL (WAL, a busy timeout).
      const opened = await openDatabase(`sqlite:${join(dir, 'scim.db')}`);
      return prepared('sqlite', opened.db, 'scim_', async () => {
        await opened.close();
        rmSync(dir, { recursive: true, force: true });
      });
    },
  },
  postgres: {
    skipped: postgresUrl === undefined ? 'SCIM_TEST_POSTGRES_URL is not set' : undefined,
    async open() {
      const opened = await openDatabase(postgresUrl);
      const { db } = opened;
      // A prefix of our own: the database is shared with the tests and other runs.
      const prefix = `bench_${process.pid.toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}_`;
      return prepared('postgres', db, prefix, async () => {
        for (const table of TABLES)
          await sql`DROP TABLE IF EXISTS ${sql.table(`${prefix}${table}`)}`.execute(db);
        await opened.close();
      });
    },
  },
};

async function prepared(name, db, tablePrefix, close) {
  const migration = await migrate(db, { tablePrefix });
  return { name, dialect: name, db, tablePrefix, migration, close };
}

/**
 * The engines a script was asked for (`--engines sqlite,postgres`), each either opened later or
 * skipped with its reason printed now (an error in CI).
 */
export function chosenEngines(list) {
  const chosen = [];
  for (const name of list.split(',').filter(Boolean)) {
    const engine = SQL_ENGINES[name];
    if (engine === undefined) throw new Error(`unknown engine ${name} (sqlite, postgres)`);
    // As in the tests (packages/sql/test/fixtures/databases.ts): CI must measure every database.
    if (engine.skipped !== undefined && process.env.CI === 'true')
      throw new Error(`CI must measure ${name}, but ${engine.skipped}`);
    if (engine.skipped !== undefined) console.log(`${name}: skipped (${engine.skipped})`);
    else chosen.push({ name, open: engine.open });
  }
  return chosen;
}
