// Migrations are versioned and idempotent, safe when servers start together, and the emitted
// schema script can run twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { migrate, schemaSql, SCHEMA_VERSION } from '@scim/sql';
import { ENGINES, type TestDatabase } from './fixtures/databases.js';
import { SCHEMA_TABLES } from './fixtures/tables.js';

for (const engine of ENGINES) {
  describe.skipIf(engine.skipped !== undefined)(`migrations on ${engine.name}`, () => {
    let database: TestDatabase;
    const prefixes: string[] = [];
    beforeAll(async () => {
      database = await engine.open();
    }, 120_000);
    afterAll(async () => {
      for (const prefix of prefixes)
        for (const table of SCHEMA_TABLES)
          await sql`DROP TABLE IF EXISTS ${sql.table(`${prefix}${table}`)}`.execute(database.db);
      await database?.close();
    });
    const prefix = () => {
      const name = `m${Math.floor(Math.random() * 1e9).toString(36)}_`;
      prefixes.push(name);
      return name;
    };

    it('a second migrate applies nothing, and both report the newest version', async () => {
      const tablePrefix = prefix();
      const first = await migrate(database.db, { tablePrefix });
      const second = await migrate(database.db, { tablePrefix });
      expect([first.applied, second.applied]).toEqual([[1, 2, 3, 4, 5], []]);
      expect([first.version, second.version]).toEqual([SCHEMA_VERSION, SCHEMA_VERSION]);
    });

    it('servers starting together: four concurrent migrates all succeed and one of them applies', async () => {
      const tablePrefix = prefix();
      const results = await Promise.all(
        Array.from({ length: 4 }, () => migrate(database.db, { tablePrefix })),
      );
      expect(results.flatMap((result) => result.applied)).toEqual([1, 2, 3, 4, 5]);
    });

    it('a database at version 1 gets migration 2 alone (the event tables), keeping its rows', async () => {
      const tablePrefix = prefix();
      await migrate(database.db, { tablePrefix });
      // Back to version 1, as a database made by the previous release is.
      for (const table of ['event_sets', 'event_queues', 'event_streams'])
        await sql`DROP TABLE ${sql.table(`${tablePrefix}${table}`)}`.execute(database.db);
      await sql`DELETE FROM ${sql.table(`${tablePrefix}migrations`)} WHERE version = 2`.execute(
        database.db,
      );
      await sql`INSERT INTO ${sql.table(`${tablePrefix}outbox`)} (id, tenant, resource_type, resource_id, state, attempts, next_attempt_ms, claimed, last_error, event) VALUES ('e1', '', 'User', 'u1', 'pending', 0, 0, 0, NULL, '{}')`.execute(
        database.db,
      );
      expect((await migrate(database.db, { tablePrefix })).applied).toEqual([2]);
      const kept = await sql<{
        id: string;
      }>`SELECT id FROM ${sql.table(`${tablePrefix}outbox`)}`.execute(database.db);
      expect(kept.rows.map((row) => row.id)).toEqual(['e1']);
      const queued = await sql`SELECT seq FROM ${sql.table(`${tablePrefix}event_sets`)}`.execute(
        database.db,
      );
      expect(queued.rows).toEqual([]);
    });

    it('a database at version 2 gets migration 3 alone (the token table), keeping its rows', async () => {
      const tablePrefix = prefix();
      await migrate(database.db, { tablePrefix });
      // Back to version 2, as a database made by the previous release is.
      await sql`DROP TABLE ${sql.table(`${tablePrefix}tokens`)}`.execute(database.db);
      await sql`DELETE FROM ${sql.table(`${tablePrefix}migrations`)} WHERE version = 3`.execute(
        database.db,
      );
      await sql`INSERT INTO ${sql.table(`${tablePrefix}event_streams`)} (id, tenant, stream) VALUES ('s1', NULL, '{}')`.execute(
        database.db,
      );
      expect((await migrate(database.db, { tablePrefix })).applied).toEqual([3]);
      const kept = await sql<{
        id: string;
      }>`SELECT id FROM ${sql.table(`${tablePrefix}event_streams`)}`.execute(database.db);
      expect(kept.rows.map((row) => row.id)).toEqual(['s1']);
      const tokens = await sql`SELECT id FROM ${sql.table(`${tablePrefix}tokens`)}`.execute(
        database.db,
      );
      expect(tokens.rows).toEqual([]);
    });

    it('the schemaSql script runs twice without error, and migrate then finds it applied', async () => {
      const tablePrefix = prefix();
      const statements = schemaSql(database.dialect, {
        tablePrefix,
        ...(database.dialect === 'mysql' ? { mysqlCollation: 'utf8mb4_nopad_bin' } : {}),
      });
      for (let round = 0; round < 2; round++)
        for (const statement of statements) await sql.raw(statement).execute(database.db);
      expect((await migrate(database.db, { tablePrefix })).applied).toEqual([]);
    });
  });
}
