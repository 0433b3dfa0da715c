import { describe, expect, it } from 'vitest';
import { ScimError } from '@scim/core';
import type { HookEvent } from '@scim/server';
import { transactionalStores } from './fixtures/transactional-store.js';
import { G, server, U } from './helpers.js';

const BQ = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
type Result = Record<string, unknown> & { status: string; response?: Record<string, unknown> };

function setup() {
  const backing = transactionalStores();
  const hook = (name: string) => (event: HookEvent) => {
    backing.events.push(`${name}:${String(event.resource.userName ?? event.resource.displayName)}`);
  };
  const { call } = server({
    stores: backing.stores,
    transaction: backing.transaction,
    hooks: {
      afterCreate: hook('afterCreate'),
      afterPatch: hook('afterPatch'),
      afterDelete: hook('afterDelete'),
      onDeactivate: hook('onDeactivate'),
    },
  });
  return { ...backing, call };
}

const post = (bulkId: string, userName: string) => ({
  method: 'POST',
  path: '/Users',
  bulkId,
  data: { schemas: [U], userName },
});

describe('store transactions', () => {
  it('P-BULK-09 (opted out): with a transaction a bulk request is all-or-nothing; the first failure rolls back what ran before it (424)', async () => {
    const { call, events } = setup();
    const reply = await call('POST', '/Bulk', {
      schemas: [BQ],
      failOnErrors: 5,
      Operations: [post('a', 'ann'), post('b', 'bob'), post('c', 'ANN'), post('d', 'dan')],
    });
    expect(reply.status).toBe(200);
    const results = reply.body.Operations as Result[];
    expect(results.map((result) => result.status)).toEqual(['424', '424', '409']);
    expect(results[0]).toMatchObject({ method: 'POST', bulkId: 'a' });
    expect(results[0]).not.toHaveProperty('location');
    expect(results[0]?.response?.detail).toContain("bulkId 'c' failed");
    expect(results[2]?.response).toMatchObject({ scimType: 'uniqueness' });
    expect((await call('GET', '/Users')).body.totalResults).toBe(0);
    // Nothing committed, so no hook ran.
    expect(events).toEqual(['begin', 'rollback']);
  });

  it('P-BULK-14: a bulk that succeeds commits once, with bulkId references resolved, and hooks run after commit', async () => {
    const { call, events } = setup();
    const reply = await call('POST', '/Bulk', {
      schemas: [BQ],
      Operations: [
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'g',
          data: { schemas: [G], displayName: 'staff', members: [{ value: 'bulkId:u' }] },
        },
        post('u', 'una'),
      ],
    });
    expect((reply.body.Operations as Result[]).map((result) => result.status)).toEqual([
      '201',
      '201',
    ]);
    expect(events).toEqual(['begin', 'commit', 'afterCreate:una', 'afterCreate:staff']);
    const group = (await call('GET', '/Groups')).body.Resources?.[0];
    expect(group?.members).toHaveLength(1);
  });

  it('every store call of a write request carries the transaction handle, and reads carry none', async () => {
    const { call, calls } = setup();
    const user = (await call('POST', '/Users', { schemas: [U], userName: 'tia' })).body;
    await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'team',
      members: [{ value: user.id }],
    });
    calls.length = 0;
    expect((await call('DELETE', `/Users/${user.id as string}`)).status).toBe(204);
    // get, delete, the membership query and the group replace: one handle for all of them.
    expect(calls.length).toBeGreaterThanOrEqual(4);
    expect(new Set(calls).size).toBe(1);
    expect(calls[0]).toHaveProperty('undo');
    calls.length = 0;
    await call('GET', '/Groups');
    expect(calls.every((handle) => handle === undefined)).toBe(true);
  });

  it('P-CRUD-17: a DELETE whose membership clean-up fails is rolled back, so the user and the group stay intact', async () => {
    const backing = transactionalStores();
    const groups = backing.stores.Group;
    const failing = {
      ...groups,
      replace: () => Promise.reject(new Error('disk full')),
    };
    const { call } = server({
      stores: { User: backing.stores.User, Group: failing },
      transaction: backing.transaction,
      onError: () => {},
    });
    const user = (await call('POST', '/Users', { schemas: [U], userName: 'rui' })).body;
    await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'ops',
      members: [{ value: user.id }],
    });
    const reply = await call('DELETE', `/Users/${user.id as string}`);
    expect(reply.status).toBe(500);
    expect(reply.text).not.toContain('disk full');
    expect((await call('GET', `/Users/${user.id as string}`)).status).toBe(200);
    const group = (await call('GET', '/Groups')).body.Resources?.[0];
    expect(group?.members).toEqual([expect.objectContaining({ value: user.id })]);
  });

  it('a failed commit reaches the client as the error it was and runs no hook', async () => {
    const backing = transactionalStores();
    const seen: string[] = [];
    const { call } = server({
      stores: backing.stores,
      transaction: async (work) => {
        const handle = { undo: [] as (() => Promise<unknown>)[] };
        await work(handle);
        for (const undo of handle.undo.reverse()) await undo();
        throw new ScimError({ status: 503, detail: 'The database is busy; try again' });
      },
      hooks: { afterCreate: () => void seen.push('afterCreate') },
    });
    const reply = await call('POST', '/Users', { schemas: [U], userName: 'sam' });
    expect(reply.status).toBe(503);
    expect(seen).toEqual([]);
    expect((await call('GET', '/Users')).body.totalResults).toBe(0);
  });

  it('a transaction the application retries runs the hooks of the committed attempt only', async () => {
    const backing = transactionalStores();
    const seen: string[] = [];
    let attempts = 0;
    const { call } = server({
      stores: backing.stores,
      transaction: async (work) => {
        for (;;) {
          const handle = { undo: [] as (() => Promise<unknown>)[] };
          const result = await work(handle);
          attempts += 1;
          if (attempts > 1) return result;
          // A serialization failure at commit: undo and run the work again.
          for (const undo of handle.undo.reverse()) await undo();
        }
      },
      hooks: {
        onDeactivate: (event) => void seen.push(`onDeactivate:${String(event.resource.userName)}`),
      },
    });
    const user = (await call('POST', '/Users', { schemas: [U], userName: 'lea' })).body;
    attempts = 0;
    const reply = await call('PATCH', `/Users/${user.id as string}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    expect(reply.status).toBe(200);
    expect(attempts).toBe(2);
    expect(seen).toEqual(['onDeactivate:lea']);
  });
});
