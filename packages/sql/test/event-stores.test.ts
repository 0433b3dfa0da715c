// @scim/events' stores in SQL: the SetQueue and StreamStore contract kits of @scim/events on every
// database, and what only the SQL queue promises: prune, the quiet time after removeStream, a
// replay refusal that outlives the pruning of the SET that caused it, batches larger than one
// statement, and receivers' messages PostgreSQL would refuse to store.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewQueuedSet } from '@scim/events';
import { createSqlEventStores, type SqlEventStores } from '@scim/sql';
import { describeSetQueueContract } from '../../events/test/fixtures/set-queue-contract.js';
import { describeStreamStoreContract } from '../../events/test/fixtures/stream-store-contract.js';
import { ENGINES, type TestDatabase } from './fixtures/databases.js';

const T0 = Date.parse('2026-12-03T10:00:00.000Z');
const HOUR = 3_600_000;
const at = (ms: number) => new Date(T0 + ms);

function set(n: number, overrides: Partial<NewQueuedSet> = {}): NewQueuedSet {
  return {
    streamId: 's1',
    key: `e${n}:0`,
    subject: ` /Users/u${n}`,
    jti: `jti-${n}`,
    txn: `txn-${n}`,
    eventUris: ['urn:ietf:params:scim:event:prov:delete'],
    payload: `token-${n}`,
    queuedAt: at(0).toISOString(),
    ...overrides,
  };
}

const jtis = (sets: readonly { readonly jti: string }[]) => sets.map((queued) => queued.jti);

for (const engine of ENGINES) {
  describe.skipIf(engine.skipped !== undefined)(`event stores on ${engine.name}`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await engine.open();
    }, 120_000);
    afterAll(async () => database?.close());

    /** The stores over emptied tables, with the clock at `clock.now` when told. */
    const fresh = async (
      options: { readonly now?: () => Date; readonly removedStreamQuietMs?: number } = {},
    ): Promise<SqlEventStores> => {
      for (const table of ['event_sets', 'event_queues', 'event_streams'])
        await sql`DELETE FROM ${sql.table(`${database.tablePrefix}${table}`)}`.execute(database.db);
      return createSqlEventStores({
        db: database.db,
        tablePrefix: database.tablePrefix,
        ...options,
      });
    };

    describeSetQueueContract(`sql on ${engine.name}`, async () => (await fresh()).queue);
    describeStreamStoreContract(`sql on ${engine.name}`, async () => (await fresh()).streams);

    describe('prune', () => {
      it('deletes the SETs delivered before the date, of every stream, and keeps pending and dead ones', async () => {
        const { queue } = await fresh({ now: () => at(0) });
        await queue.enqueue([set(1), set(2), set(3), set(4), set(5, { streamId: 's2' })]);
        await queue.complete('s1', 'jti-1', at(0));
        await queue.complete('s1', 'jti-2', at(2 * HOUR));
        await queue.fail('s1', 'jti-3', { error: 'invalid_key', retryAt: undefined });
        await queue.complete('s2', 'jti-5', at(0));
        expect(await queue.prune(at(HOUR))).toBe(2);
        expect(jtis(await queue.list('s1'))).toEqual(['jti-2', 'jti-3', 'jti-4']);
        expect(await queue.list('s2')).toEqual([]);
      });

      it('with dead: true also deletes the SETs that went dead before the date', async () => {
        let clock = at(0);
        const { queue } = await fresh({ now: () => clock });
        await queue.enqueue([set(1), set(2)]);
        await queue.fail('s1', 'jti-1', { error: 'invalid_key', retryAt: undefined });
        clock = at(2 * HOUR);
        await queue.fail('s1', 'jti-2', { error: 'invalid_key', retryAt: undefined });
        expect(await queue.prune(at(HOUR), { dead: true })).toBe(1);
        expect(jtis(await queue.list('s1'))).toEqual(['jti-2']);
      });

      it('idempotency holds within the retention: a key enqueued again after its delivered SET was pruned is queued again', async () => {
        const { queue } = await fresh();
        await queue.enqueue([set(1)]);
        await queue.complete('s1', 'jti-1', at(0));
        expect(await queue.enqueue([set(1)])).toBe(0);
        await queue.prune(at(1));
        expect(await queue.enqueue([set(1)])).toBe(1);
      });

      it('issue 14 "order is kept per subject": retry still refuses a dead SET once the newer SET delivered after it was pruned', async () => {
        const { queue } = await fresh();
        const subject = 'acme /Users/leaver';
        await queue.enqueue([set(1, { subject }), set(2, { subject })]);
        await queue.fail('s1', 'jti-1', { error: 'invalid_key', retryAt: undefined });
        await queue.complete('s1', 'jti-2', at(0));
        expect(await queue.prune(at(1))).toBe(1);
        expect(await queue.retry('s1', 'jti-1')).toBe(false);
        expect(await queue.retry('s1', 'jti-1', { force: true })).toBe(true);
      });
    });

    describe('removeStream', () => {
      it('an enqueue racing removeStream is ignored for removedStreamQuietMs, then a stream with the id queues again', async () => {
        let clock = at(0);
        const { queue } = await fresh({ now: () => clock, removedStreamQuietMs: 1_000 });
        await queue.enqueue([set(1)]);
        await queue.removeStream('s1');
        expect(await queue.enqueue([set(2)])).toBe(0);
        expect(await queue.list('s1')).toEqual([]);
        clock = at(1_000);
        expect(await queue.enqueue([set(3)])).toBe(1);
        expect(jtis(await queue.list('s1'))).toEqual(['jti-3']);
      });

      it('removedStreamQuietMs 0 keeps an enqueue that follows removeStream', async () => {
        const { queue } = await fresh({ removedStreamQuietMs: 0 });
        await queue.removeStream('s1');
        expect(await queue.enqueue([set(1)])).toBe(1);
      });

      it('the quiet time of one stream holds back no other stream of the same batch', async () => {
        const { queue } = await fresh();
        await queue.removeStream('s1');
        expect(await queue.enqueue([set(1), set(2, { streamId: 's2' })])).toBe(1);
        expect(jtis(await queue.list('s2'))).toEqual(['jti-2']);
      });
    });

    it('a batch larger than one statement is queued whole, in order, and counted once', async () => {
      const { queue } = await fresh();
      const batch = Array.from({ length: 450 }, (_, n) => set(n));
      expect(await queue.enqueue(batch)).toBe(450);
      expect(await queue.enqueue(batch)).toBe(0);
      expect(jtis(await queue.list('s1'))).toEqual(jtis(batch));
    });

    it('fail keeps a receiver message holding U+0000, as U+FFFD', async () => {
      const { queue } = await fresh();
      await queue.enqueue([set(1)]);
      await queue.fail('s1', 'jti-1', { error: 'bad\u0000byte', retryAt: at(1) });
      expect((await queue.list('s1'))[0]?.lastError).toBe('bad\uFFFDbyte');
    });
  });
}
