// A claim racing a replay (`retry`) of an older SET of the same subject: the claim waits for the
// replay to commit and then holds the subject's newer SET back, so two SETs of one subject are never
// out for delivery together (an `activate` replayed after a `deactivate` would re-enable a leaver).
// SQLite and PGlite run one write transaction at a time, so only the servers are raced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createSqlEventStores } from '@scim/sql';
import { ENGINES, type TestDatabase } from './fixtures/databases.js';

const set = (n: number) => ({
  streamId: 's1',
  key: `k${n}`,
  subject: 'S',
  jti: `j${n}`,
  txn: `t${n}`,
  eventUris: ['urn:test:event'],
  payload: '{}',
  queuedAt: new Date(Date.now() - 60_000).toISOString(),
});

for (const engine of ENGINES.filter(({ name }) => name === 'postgres' || name === 'mysql')) {
  describe.skipIf(engine.skipped !== undefined)(`claim racing retry on ${engine.name}`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await engine.open();
    }, 120_000);
    afterAll(async () => database?.close());

    it('a claim that starts while a replay is uncommitted does not hand out the newer SET', async () => {
      const { queue } = createSqlEventStores({
        db: database.db,
        tablePrefix: database.tablePrefix,
      });
      const sets = sql.table(`${database.tablePrefix}event_sets`);
      const queues = sql.table(`${database.tablePrefix}event_queues`);
      await queue.enqueue([set(1)]);
      const [first] = await queue.claim('s1', {
        limit: 1,
        now: new Date(),
        leaseUntil: new Date(Date.now() + 1_000),
      });
      await queue.fail('s1', first!.jti, { error: 'receiver down', retryAt: undefined });
      await queue.enqueue([set(2)]);

      // What `retry` does, held open: the stream's row locked, the dead SET pending again.
      let replayed!: () => void;
      const replaying = new Promise<void>((resolve) => (replayed = resolve));
      let proceed!: () => void;
      const mayCommit = new Promise<void>((resolve) => (proceed = resolve));
      const replay = database.db.transaction().execute(async (tx) => {
        await sql`SELECT stream_id FROM ${queues} WHERE stream_id = 's1' FOR UPDATE`.execute(tx);
        await sql`UPDATE ${sets} SET state = 'pending', attempts = 0, next_attempt_ms = ${Date.now()}, settled_ms = NULL WHERE stream_id = 's1' AND jti = 'j1'`.execute(
          tx,
        );
        replayed();
        await mayCommit;
      });
      await replaying;
      let claimed: readonly { readonly jti: string }[] | undefined;
      const claim = queue
        .claim('s1', { limit: 5, now: new Date(), leaseUntil: new Date(Date.now() + 60_000) })
        .then((found) => (claimed = found));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const claimedEarly = claimed;
      proceed();
      await replay;
      await claim;
      // Before the replay committed the claim would have seen j1 dead and taken j2.
      expect(claimedEarly).toBeUndefined();
      expect(claimed?.map((found) => found.jti)).toEqual(['j1']);
    });
  });
}
