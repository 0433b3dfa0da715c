// The SQL outbox's reads for a console, as each engine's planner would run them: the latest events
// newest first (`list({ order: 'newest', limit })`) come from an index in outbox order, never from
// a sort of the whole outbox, which is what PostgreSQL did before migration 4: its outbox key is
// (tenant, seq), and no index gave seq order across tenants. One request's events
// (`list({ requestId })`, a console opening a request) come from an index on the request id in
// each event's JSON (migration 5), not from parsing every event.
import { sql, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LifecycleEvent } from '@scim/server';
import { createSqlStorage } from '@scim/sql';
import { tableNames } from '../src/lib/dialect.js';
import { outboxListQuery } from '../src/lib/outbox.js';
import { ENGINES, type TestDatabase } from './fixtures/databases.js';
import { planOf } from './fixtures/plans.js';

function eventOf(index: number): LifecycleEvent {
  return {
    id: `event-${index}-${crypto.randomUUID()}`,
    type: 'created',
    resourceType: 'User',
    resourceId: `user-${index}`,
    operation: 'create',
    tenant: index % 2 === 0 ? undefined : 'tenant-b',
    principal: 'plans',
    occurredAt: '2026-12-05T00:00:00.000Z',
    requestId: `request-${index}`,
  };
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skipped !== undefined)(`outbox reads on ${engine.name}`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await engine.open();
    }, 120_000);
    afterAll(async () => database?.close());

    const plan = (query: RawBuilder<unknown>) => planOf(database, query);

    it("list({ order: 'newest', limit }) reads an index in outbox order and sorts nothing", async () => {
      const storage = createSqlStorage({ db: database.db, tablePrefix: database.tablePrefix });
      const outbox = storage.outbox;
      for (let index = 0; index < 40; index++)
        await outbox.append([eventOf(index)], new Date(0), { tenant: undefined });
      const newest = await outbox.list({ order: 'newest', limit: 3 });
      expect(newest.map((entry) => entry.event.resourceId)).toEqual([
        'user-39',
        'user-38',
        'user-37',
      ]);
      const tables = tableNames(database.tablePrefix);
      // The newest events, and the console's read of the latest deliveries.
      for (const filter of [
        { order: 'newest', limit: 50 },
        { state: 'delivered', order: 'newest', limit: 50 },
      ] as const) {
        // MySQL has no index of one state in outbox order (migration 4 leaves it out there).
        if (database.dialect === 'mysql' && 'state' in filter) continue;
        const text = await plan(outboxListQuery({ dialect: database.dialect, tables }, filter));
        expect(text, JSON.stringify(filter)).not.toMatch(/Sort|TEMP B-TREE|filesort/);
        if (database.dialect === 'postgres' && !('state' in filter))
          expect(text).toContain(`${tables.outbox}_seq`);
      }
    });

    it("list({ requestId }) finds one request's events by an index, not by reading every event", async () => {
      const storage = createSqlStorage({ db: database.db, tablePrefix: database.tablePrefix });
      const outbox = storage.outbox;
      for (let index = 100; index < 140; index++)
        await outbox.append([eventOf(index)], new Date(0), { tenant: undefined });
      const found = await outbox.list({ requestId: 'request-117' });
      expect(found.map((entry) => entry.event.resourceId)).toEqual(['user-117']);
      // MySQL indexes no expression without a generated column (migration 5 leaves it out there).
      if (database.dialect === 'mysql') return;
      const tables = tableNames(database.tablePrefix);
      // With statistics, as autovacuum gathers them: a request id is rarer than a tenant's events.
      if (database.dialect === 'postgres')
        await sql`ANALYZE ${sql.table(tables.outbox)}`.execute(database.db);
      for (const filter of [
        { requestId: 'request-117' },
        { requestId: 'request-117', tenant: '' },
      ]) {
        const text = await plan(outboxListQuery({ dialect: database.dialect, tables }, filter));
        expect(text, JSON.stringify(filter)).toContain(`${tables.outbox}_request`);
      }
    });
  });
}
