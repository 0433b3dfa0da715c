// Migrations are versioned and idempotent, safe when servers start together, and the emitted
// schema script can run twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { migrate, schemaSql, SCHEMA_VERSION } from '@scim/sql';
import { ENGINES, type TestDatabase } from './fixtures/databases.js';

for (const engine of ENGINES) {
  describe.skipIf(engine.skipped !== undefined)(`migrations on ${engine.name}`, () => {
    let database: TestDatabase;
    const prefixes: string[] = [];
    beforeAll(async () => {
      database = await engine.open();
    }, 120_000);
    afterAll(async () => {
      for (const prefix of prefixes)
        for (const table of [
          'outbox',
          'members',
          'emails',
          'unique_values',
          'resources',
          'migrations',
        ])
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
      expect([first.applied, second.applied]).toEqual([[1], []]);
      expect([first.version, second.version]).toEqual([SCHEMA_VERSION, SCHEMA_VERSION]);
    });

    it('servers starting together: four concurrent migrates all succeed and one of them applies', async () => {
      const tablePrefix = prefix();
      const results = await Promise.all(
        Array.from({ length: 4 }, () => migrate(database.db, { tablePrefix })),
      );
      expect(results.flatMap((result) => result.applied)).toEqual([1]);
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
