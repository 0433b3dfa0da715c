// Isolation is proven on every database (issue 15): the server's isolation kit, which the memory
// storage passes, runs on the SQL storage over SQLite and PGlite always, and over PostgreSQL and
// MariaDB/MySQL when SCIM_TEST_POSTGRES_URL and SCIM_TEST_MYSQL_URL name servers
// (fixtures/databases.ts prints the engines it skips, and in CI fails instead). Each generated
// sequence starts from empty tables. Sequences are fewer on a server, where every request is a
// round trip; SCIM_ISOLATION_RUNS sets them for every engine, for a long run.
import { afterAll, beforeAll, describe } from 'vitest';
import { createSqlStorage } from '@scim/sql';
import { isolationKit } from '../../server/test/fixtures/isolation-kit.js';
import { ENGINES, type TestDatabase } from './fixtures/databases.js';

/**
 * Sequences per property, by engine: embedded engines answer in microseconds, servers in round
 * trips. Below about 20 the sequences may miss a case that crosses tenants, which fails the kit.
 */
const RUNS: Readonly<Record<string, number>> = { sqlite: 80, pglite: 30, postgres: 30, mysql: 30 };

function runsOf(engine: string): number {
  const given = Number(process.env.SCIM_ISOLATION_RUNS);
  return Number.isInteger(given) && given > 0 ? given : (RUNS[engine] ?? 30);
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skipped !== undefined)(`isolation: ${engine.name}`, () => {
    let database: TestDatabase | undefined;
    beforeAll(async () => {
      database = await engine.open();
    }, 120_000);
    afterAll(async () => database?.close());

    isolationKit(engine.name, {
      createStorage: async () => {
        if (database === undefined) throw new Error(`${engine.name} did not open`);
        const storage = createSqlStorage({ db: database.db, tablePrefix: database.tablePrefix });
        await storage.clear();
        return storage;
      },
      numRuns: runsOf(engine.name),
      timeoutMs: 300_000,
    });
  });
}
