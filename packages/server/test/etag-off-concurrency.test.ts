// With `features: { etag: false }` the server still stamps a version on every write, so the stores'
// compare-and-set catches two writers that read the same copy and the loser is retried; only what
// clients see changes: no ETag header and no `meta.version` anywhere. Without the version, of two
// concurrent PATCHes the slower wrote back its stale copy and a deactivation was lost.
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '@scim/server/memory';
import { G, PO, SR, U, server, type Reply } from './helpers.js';

const LATENCY_MS = 3;
const ROUNDS = 20;
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The memory store with a database's latency on reads and replaces, so two requests interleave. */
function slowMemoryStore(): ReturnType<typeof createMemoryStore> {
  const store = createMemoryStore();
  return {
    ...store,
    async get(...args) {
      await sleep(LATENCY_MS);
      return store.get(...args);
    },
    async replace(...args) {
      await sleep(LATENCY_MS);
      return store.replace(...args);
    },
  };
}

const patch = (path: string, value: unknown) => ({
  schemas: [PO],
  Operations: [{ op: 'replace', path, value }],
});

describe('features.etag off', () => {
  it('with ETags off, two concurrent PATCHes of one user both land: active=false is never lost', async () => {
    const { call } = server({
      features: { etag: false },
      stores: { User: slowMemoryStore(), Group: slowMemoryStore() },
    });
    const lost: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const user = await call('POST', '/Users', { schemas: [U], userName: `leaver${round}` });
      const id = user.body.id as string;
      const replies = await Promise.all([
        call('PATCH', `/Users/${id}`, patch('active', false)),
        call('PATCH', `/Users/${id}`, patch('title', 'x')),
      ]);
      expect(replies.map((reply) => reply.status)).toEqual([200, 200]);
      const stored = (await call('GET', `/Users/${id}`)).body;
      if (stored.active !== false || stored.title !== 'x') lost.push(round);
    }
    expect(lost).toEqual([]);
  });

  it('with ETags off, an If-Match is ignored: two concurrent PATCHes sending one both land, no 412', async () => {
    const { call } = server({
      features: { etag: false },
      stores: { User: slowMemoryStore(), Group: slowMemoryStore() },
    });
    const lost: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const user = await call('POST', '/Users', { schemas: [U], userName: `matcher${round}` });
      const id = user.body.id as string;
      const ifMatch = { 'if-match': 'W/"whatever"' };
      const replies = await Promise.all([
        call('PATCH', `/Users/${id}`, patch('active', false), ifMatch),
        call('PATCH', `/Users/${id}`, patch('title', 'x'), ifMatch),
      ]);
      expect(replies.map((reply) => reply.status)).toEqual([200, 200]);
      const stored = (await call('GET', `/Users/${id}`)).body;
      if (stored.active !== false || stored.title !== 'x') lost.push(round);
    }
    expect(lost).toEqual([]);
  });

  it('with ETags off, no response carries an ETag header or meta.version', async () => {
    const { call } = server({ features: { etag: false } });
    const replies: Reply[] = [];
    const answer = async (reply: Promise<Reply>) => {
      const got = await reply;
      replies.push(got);
      return got;
    };
    const created = await answer(call('POST', '/Users', { schemas: [U], userName: 'bjensen' }));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await answer(call('GET', `/Users/${id}`));
    await answer(call('GET', '/Users'));
    await answer(call('POST', '/Users/.search', { schemas: [SR], filter: 'userName pr' }));
    await answer(call('PATCH', `/Users/${id}`, patch('title', 'x')));
    await answer(call('PUT', `/Users/${id}`, { schemas: [U], userName: 'bjensen', title: 'y' }));
    const group = await answer(call('POST', '/Groups', { schemas: [G], displayName: 'Leavers' }));
    // A member-only PATCH answers 204 from the membership fast path.
    await answer(
      call('PATCH', `/Groups/${group.body.id as string}`, {
        schemas: [PO],
        Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }],
      }),
    );
    const bulk = await answer(
      call('POST', '/Bulk', {
        schemas: [BULK],
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'a', data: { schemas: [U], userName: 'b' } },
          { method: 'PATCH', path: `/Users/${id}`, data: patch('title', 'z') },
          { method: 'PUT', path: `/Users/${id}`, data: { schemas: [U], userName: 'bjensen' } },
        ],
      }),
    );
    expect((bulk.body.Operations as { status: string }[]).map((op) => op.status)).toEqual([
      '201',
      '200',
      '200',
    ]);
    for (const reply of replies) {
      expect(reply.status).toBeLessThan(300);
      expect(reply.headers.get('etag')).toBeNull();
      expect(reply.text).not.toMatch(/"version"/);
    }
    expect((await call('GET', '/ServiceProviderConfig')).body).toMatchObject({
      etag: { supported: false },
    });
  });
});
