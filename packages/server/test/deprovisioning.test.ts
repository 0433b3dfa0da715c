// The deprovisioning guarantee of docs/security.md, part by part, through the handler: every failure
// issue 12 measured on the old request path has a test here that failed there.
import { describe, expect, it } from 'vitest';
import type { ScimHandlerOptions, ScimStore } from '@scim/server';
import {
  createMemoryOutbox,
  createMemoryStorage,
  createMemoryStore,
  type MemoryStorage,
} from '@scim/server/memory';
import { G, PO, server, U } from './helpers.js';

type Call = ReturnType<typeof server>['call'];

const deactivate = { schemas: [PO], Operations: [{ op: 'replace', path: 'active', value: false }] };

/** Hook calls as the tests see them: which hook, which event, which attempt. */
interface Seen {
  readonly hook: string;
  readonly id: string;
  readonly resourceId: string;
  readonly attempt: number;
}

/** Hooks that fail the first `failures` calls of each hook, then succeed, recording every call. */
function flakyHooks(failures: number) {
  const seen: Seen[] = [];
  const failed = new Map<string, number>();
  const hook =
    (name: string) =>
    (event: { id: string; resourceId: string; attempt: number }): void => {
      seen.push({ hook: name, id: event.id, resourceId: event.resourceId, attempt: event.attempt });
      const count = failed.get(name) ?? 0;
      if (count < failures) {
        failed.set(name, count + 1);
        throw new Error(`${name} is down`);
      }
    };
  return {
    seen,
    hooks: { onDeactivate: hook('onDeactivate'), afterDelete: hook('afterDelete') },
  };
}

/** A handler over one memory storage, retrying hooks quickly and polling only when asked. */
function storageServer(storage: MemoryStorage, options: Partial<ScimHandlerOptions> = {}) {
  return server({
    ...storage,
    onError: () => undefined,
    delivery: { backoffMs: 1, maxBackoffMs: 1, pollMs: 0 },
    ...options,
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function createUser(call: Call, userName: string): Promise<string> {
  const reply = await call('POST', '/Users', { schemas: [U], userName, active: true });
  expect(reply.status).toBe(201);
  return reply.body.id as string;
}

async function createGroup(call: Call, displayName: string, members: string[]): Promise<string> {
  const reply = await call('POST', '/Groups', {
    schemas: [G],
    displayName,
    members: members.map((value) => ({ value })),
  });
  expect(reply.status).toBe(201);
  return reply.body.id as string;
}

describe('a failing hook never loses a deprovisioning (issue 12)', () => {
  it('onDeactivate that throws: the PATCH still answers 200, and the hook is called again until it succeeds, with the same event id', async () => {
    const { seen, hooks } = flakyHooks(2);
    const { call, handler } = storageServer(createMemoryStorage(), { hooks });
    const id = await createUser(call, 'leaver');
    const reply = await call('PATCH', `/Users/${id}`, deactivate);
    expect(reply.status).toBe(200);
    for (let pass = 0; pass < 5 && seen.length < 3; pass++) {
      await pause(5);
      await handler.deliverDue();
    }
    expect(seen.map((call) => [call.hook, call.resourceId, call.attempt])).toEqual([
      ['onDeactivate', id, 1],
      ['onDeactivate', id, 2],
      ['onDeactivate', id, 3],
    ]);
    expect(new Set(seen.map((call) => call.id)).size).toBe(1);
    expect(await handler.outbox.list({ state: 'pending' })).toEqual([]);
  });

  it('afterDelete that throws: the DELETE still answers 204, and the hook runs again until it succeeds', async () => {
    const { seen, hooks } = flakyHooks(1);
    const { call, handler } = storageServer(createMemoryStorage(), { hooks });
    const id = await createUser(call, 'gone');
    expect((await call('DELETE', `/Users/${id}`)).status).toBe(204);
    await pause(5);
    await handler.deliverDue();
    expect(seen.map((call) => [call.hook, call.attempt])).toEqual([
      ['afterDelete', 1],
      ['afterDelete', 2],
    ]);
  });

  it('a hook that keeps failing goes dead after maxAttempts and stays in the outbox for an operator', async () => {
    const { seen, hooks } = flakyHooks(Number.POSITIVE_INFINITY);
    const { call, handler } = storageServer(createMemoryStorage(), {
      hooks,
      delivery: { backoffMs: 1, maxBackoffMs: 1, pollMs: 0, maxAttempts: 3 },
    });
    const id = await createUser(call, 'stuck');
    await call('PATCH', `/Users/${id}`, deactivate);
    for (let pass = 0; pass < 6; pass++) {
      await pause(5);
      await handler.deliverDue();
    }
    expect(seen).toHaveLength(3);
    const dead = await handler.outbox.list({ state: 'dead' });
    expect(dead.map((entry) => [entry.event.type, entry.event.resourceId, entry.attempts])).toEqual(
      [['deactivated', id, 3]],
    );
    expect(dead[0]?.lastError).toBe('onDeactivate is down');
  });
});

describe('exactly one deprovisioning event per user switched off or removed, by every path (issue 12)', () => {
  const paths: [string, (call: Call, id: string) => Promise<number>][] = [
    [
      'PATCH replace active false',
      async (call, id) => (await call('PATCH', `/Users/${id}`, deactivate)).status,
    ],
    [
      'PATCH remove active',
      async (call, id) =>
        (
          await call('PATCH', `/Users/${id}`, {
            schemas: [PO],
            Operations: [{ op: 'remove', path: 'active' }],
          })
        ).status,
    ],
    [
      'PUT with active false',
      async (call, id) =>
        (await call('PUT', `/Users/${id}`, { schemas: [U], userName: 'subject', active: false }))
          .status,
    ],
    [
      'PUT without active',
      async (call, id) =>
        (await call('PUT', `/Users/${id}`, { schemas: [U], userName: 'subject' })).status,
    ],
    ['DELETE', async (call, id) => (await call('DELETE', `/Users/${id}`)).status],
    [
      'bulk PATCH',
      async (call, id) =>
        bulkStatus(
          await call('POST', '/Bulk', {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
            Operations: [{ method: 'PATCH', path: `/Users/${id}`, data: deactivate }],
          }),
        ),
    ],
    [
      'bulk DELETE',
      async (call, id) =>
        bulkStatus(
          await call('POST', '/Bulk', {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
            Operations: [{ method: 'DELETE', path: `/Users/${id}` }],
          }),
        ),
    ],
  ];

  for (const [name, act] of paths)
    it(`${name}: one deactivated or deleted event in the outbox, and its hook called once`, async () => {
      const { seen, hooks } = flakyHooks(0);
      const storage = createMemoryStorage();
      const { call } = storageServer(storage, { hooks });
      const id = await createUser(call, 'subject');
      const status = await act(call, id);
      expect(status).toBeLessThan(300);
      const events = (await storage.outbox.list()).map((entry) => entry.event);
      const deprovisioning = events.filter(
        (event) =>
          event.resourceId === id && (event.type === 'deactivated' || event.type === 'deleted'),
      );
      expect(deprovisioning).toHaveLength(1);
      expect(seen).toHaveLength(1);
      expect(seen[0]?.id).toBe(deprovisioning[0]?.id);
    });

  it('deactivating a user who is already inactive records no second deprovisioning event', async () => {
    const storage = createMemoryStorage();
    const { call } = storageServer(storage);
    const id = await createUser(call, 'twice');
    await call('PATCH', `/Users/${id}`, deactivate);
    await call('PATCH', `/Users/${id}`, deactivate);
    const types = (await storage.outbox.list()).map((entry) => entry.event.type);
    expect(types.filter((type) => type === 'deactivated')).toHaveLength(1);
  });
});

function bulkStatus(reply: { body: Record<string, unknown> }): number {
  const [result] = reply.body.Operations as { status: string }[];
  return Number(result?.status);
}

describe('a crash between the commit and the hook loses nothing (issue 12)', () => {
  it('events committed by a process that died before delivering them are delivered when the next handler starts', async () => {
    const storage = createMemoryStorage();
    // The first process commits, then dies before it can deliver: modelled by a transaction that
    // commits and then throws, so the request never reaches its delivery step.
    let crash = false;
    const dying: ScimHandlerOptions['transaction'] = async (work, context) => {
      const result = await storage.transaction(work, context);
      if (crash) throw new Error('process killed');
      return result;
    };
    const first = storageServer(storage, {
      transaction: dying,
      hooks: { onDeactivate: () => expect.unreachable('the dying process delivers nothing') },
      delivery: { pollMs: 0, leaseMs: 20 },
    });
    const id = await createUser(first.call, 'crashed');
    crash = true;
    expect((await first.call('PATCH', `/Users/${id}`, deactivate)).status).toBe(500);
    await first.handler.close();
    expect((await storage.outbox.list({ state: 'pending' })).map((e) => e.event.type)).toContain(
      'deactivated',
    );

    await pause(30); // the dead process's lease on its events runs out
    const delivered: string[] = [];
    const second = storageServer(storage, {
      hooks: { onDeactivate: ({ resourceId }) => void delivered.push(resourceId) },
    });
    // Start-up drains the outbox by itself; deliverDue waits for that pass.
    await second.handler.deliverDue();
    expect(delivered).toEqual([id]);
    await second.handler.close();
  });
});

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

describe('delivery starts where the runtime allows it (issue 12)', () => {
  it('a runtime that refuses timers outside a request (an edge worker): the handler is made, and delivery starts with the first request', async () => {
    const storage = createMemoryStorage();
    // The first process's hook fails, so the event is still pending when the second one starts.
    const first = storageServer(storage, {
      hooks: {
        afterCreate: () => {
          throw new Error('down');
        },
      },
    });
    const id = await createUser(first.call, 'pending');
    await first.handler.close();
    await pause(5);
    const delivered: string[] = [];
    let failOnce = true;
    const realSetTimeout = globalThis.setTimeout;
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    globalThis.setTimeout = (() => {
      throw new Error('Disallowed operation called within global scope');
    }) as unknown as typeof setTimeout;
    let second: ReturnType<typeof storageServer>;
    try {
      second = storageServer(storage, {
        hooks: {
          afterCreate: ({ resourceId }) => {
            if (resourceId !== id && failOnce) {
              failOnce = false;
              throw new Error('down once');
            }
            delivered.push(resourceId);
          },
        },
        delivery: { pollMs: 1, backoffMs: 1, maxBackoffMs: 1 },
      });
      // The start-up pass runs, and its attempt to schedule the next one is refused.
      for (let i = 0; i < 5; i++) await tick();
    } finally {
      globalThis.setTimeout = realSetTimeout;
    }
    expect(delivered).toEqual([id]);
    // Polling resumes with the next request: a failed first attempt is retried by the poller alone.
    const later = await createUser(second.call, 'later');
    expect(delivered).toEqual([id]);
    await pause(30);
    expect(delivered).toEqual([id, later]);
    await second.handler.close();
  });
});

describe('several changes to one user in one request (issue 12 review)', () => {
  it('a bulk request without a transaction that creates, deactivates and reactivates a user delivers all three hooks, in order, before it answers', async () => {
    const calls: string[] = [];
    const { call } = server({
      onError: () => undefined,
      delivery: { pollMs: 0 },
      // Hooks that take a moment, as a call to a session service does.
      hooks: {
        afterCreate: async () => {
          await pause(5);
          calls.push('afterCreate');
        },
        onDeactivate: async () => {
          await pause(5);
          calls.push('onDeactivate');
        },
        onReactivate: async () => {
          await pause(5);
          calls.push('onReactivate');
        },
      },
    });
    const active = (value: boolean) => ({
      schemas: [PO],
      Operations: [{ op: 'replace', path: 'active', value }],
    });
    const reply = await call('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        {
          method: 'POST',
          path: '/Users',
          bulkId: 'u',
          data: { schemas: [U], userName: 'flapping', active: true },
        },
        { method: 'PATCH', path: '/Users/bulkId:u', data: active(false) },
        { method: 'PATCH', path: '/Users/bulkId:u', data: active(true) },
      ],
    });
    expect((reply.body.Operations as { status: string }[]).map((op) => op.status)).toEqual([
      '201',
      '200',
      '200',
    ]);
    expect(calls).toEqual(['afterCreate', 'onDeactivate', 'onReactivate']);
  });
});
