// The deprovisioning guarantee of docs/security.md (issue 12) from the side of the write: a DELETE
// removes the user from every group or from none, hooks never run for work that did not commit, and
// a hook never holds a committed write hostage.
import { describe, expect, it } from 'vitest';
import type { ScimStore } from '@scim/server';
import { createMemoryOutbox, createMemoryStorage, createMemoryStore } from '@scim/server/memory';
import {
  createGroup,
  createUser,
  deactivate,
  flakyHooks,
  pause,
  storageServer,
} from './fixtures/deprovisioning.js';
import { server } from './helpers.js';

describe('a DELETE never leaves the user half removed (issue 12)', () => {
  /** A Group store whose `failAt`-th membership write throws once. */
  function failingGroups(inner: ScimStore, failAt: number): ScimStore {
    let writes = 0;
    const fail = () => {
      writes += 1;
      if (writes === failAt) throw new Error('database connection lost');
    };
    return {
      get: (id, context) => inner.get(id, context),
      query: (query, context) => inner.query(query, context),
      create: (resource, context) => inner.create(resource, context),
      replace: async (resource, context) => {
        fail();
        return inner.replace(resource, context);
      },
      delete: (id, context) => inner.delete(id, context),
      ...(inner.modifyMembers === undefined
        ? {}
        : {
            modifyMembers: async (id, change, context) => {
              fail();
              return (inner.modifyMembers as NonNullable<ScimStore['modifyMembers']>)(
                id,
                change,
                context,
              );
            },
          }),
      ...(inner.groupsOf === undefined ? {} : { groupsOf: inner.groupsOf.bind(inner) }),
    };
  }

  it('with a transaction: a clean-up that fails half-way rolls back, the user stays in all 20 groups, and the retry removes it from all of them with one afterDelete', async () => {
    const storage = createMemoryStorage();
    const groupsStore = storage.stores.Group as ScimStore;
    let failing: ScimStore = groupsStore;
    const { seen, hooks } = flakyHooks(0);
    const { call } = storageServer(storage, {
      hooks,
      stores: {
        User: storage.stores.User as ScimStore,
        get Group() {
          return failing;
        },
      },
    });
    const leaver = await createUser(call, 'leaver');
    const groups: string[] = [];
    for (let i = 0; i < 20; i++) groups.push(await createGroup(call, `g${i}`, [leaver]));
    failing = failingGroups(groupsStore, 11);
    expect((await call('DELETE', `/Users/${leaver}`)).status).toBe(500);
    expect((await call('GET', `/Users/${leaver}`)).status).toBe(200);
    for (const group of groups)
      expect(((await call('GET', `/Groups/${group}`)).body.members as unknown[]).length).toBe(1);
    expect(seen).toEqual([]);

    expect((await call('DELETE', `/Users/${leaver}`)).status).toBe(204);
    for (const group of groups)
      expect((await call('GET', `/Groups/${group}`)).body.members).toBeUndefined();
    expect(seen.map((call) => call.hook)).toEqual(['afterDelete']);
  });

  it('without a transaction: the user is deleted last, so a failed clean-up leaves it for the retry, which finishes and fires afterDelete once', async () => {
    const users = createMemoryStore();
    const inner = createMemoryStore();
    let failing: ScimStore = inner;
    const { seen, hooks } = flakyHooks(0);
    const { call } = server({
      hooks,
      onError: () => undefined,
      stores: {
        User: users,
        get Group() {
          return failing;
        },
      },
    });
    const leaver = await createUser(call, 'leaver');
    const groups: string[] = [];
    for (let i = 0; i < 20; i++) groups.push(await createGroup(call, `g${i}`, [leaver]));
    failing = failingGroups(inner, 11);
    expect((await call('DELETE', `/Users/${leaver}`)).status).toBe(500);
    // Not a 404 on the retry: the user is still there.
    expect((await call('GET', `/Users/${leaver}`)).status).toBe(200);
    expect(seen).toEqual([]);
    expect((await call('DELETE', `/Users/${leaver}`)).status).toBe(204);
    for (const group of groups)
      expect((await call('GET', `/Groups/${group}`)).body.members).toBeUndefined();
    expect(seen.map((call) => call.hook)).toEqual(['afterDelete']);
  });
});

describe('hooks never run for work that did not commit, nor hold a committed write hostage (issue 12)', () => {
  it.each([
    ['without an outbox', undefined],
    ['with createMemoryOutbox()', 'memory'],
  ] as const)(
    "the application's own transaction %s: a rolled-back write records no event, and a retried one calls its hook once",
    async (_name, kind) => {
      const { seen, hooks } = flakyHooks(0);
      // The storage's stores and transaction stand for a database; its outbox is left out, so the
      // handler keeps its own, which cannot join the transaction.
      const storage = createMemoryStorage();
      let failCommit = false;
      let retryOnce = false;
      const { call, handler } = server({
        stores: storage.stores,
        ...(kind === 'memory' ? { outbox: createMemoryOutbox() } : {}),
        hooks,
        onError: () => undefined,
        delivery: { pollMs: 0, leaseMs: 10 },
        transaction: async (work, context) => {
          if (retryOnce) {
            retryOnce = false;
            // A serialization failure after the work ran: rolled back, then the work runs again.
            await storage
              .transaction(async (handle) => {
                await work(handle);
                throw new Error('could not serialize access');
              }, context)
              .catch(() => undefined);
          }
          return storage.transaction(async (handle) => {
            const result = await work(handle);
            if (failCommit) throw new Error('commit failed');
            return result;
          }, context);
        },
      });
      const rolledBack = await createUser(call, 'rolled-back');
      const retried = await createUser(call, 'retried');
      failCommit = true;
      expect((await call('PATCH', `/Users/${rolledBack}`, deactivate)).status).toBe(500);
      failCommit = false;
      retryOnce = true;
      expect((await call('PATCH', `/Users/${retried}`, deactivate)).status).toBe(200);
      await pause(20); // every lease has run out: a leftover event would now be due
      await handler.deliverDue();
      expect(seen.map((call) => [call.hook, call.resourceId])).toEqual([['onDeactivate', retried]]);
    },
  );

  it('a hook slower than requestTimeoutMs does not turn the committed DELETE into a 503', async () => {
    let finished = false;
    const { call } = storageServer(createMemoryStorage(), {
      requestTimeoutMs: 50,
      delivery: { pollMs: 0, responseWaitMs: 10 },
      hooks: {
        afterDelete: async () => {
          await pause(150);
          finished = true;
        },
      },
    });
    const id = await createUser(call, 'slow-hook');
    expect((await call('DELETE', `/Users/${id}`)).status).toBe(204);
    expect(finished).toBe(false);
    expect((await call('GET', `/Users/${id}`)).status).toBe(404);
    await pause(200);
    expect(finished).toBe(true);
  });
});
