// The deprovisioning guarantee of docs/security.md, part by part, through the handler: every failure
// issue 12 measured on the old request path has a test here that failed there. This file holds the
// delivery of the hooks; deprovisioning-writes.test.ts holds the writes they follow.
import { describe, expect, it } from 'vitest';
import type { ScimHandlerOptions } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import {
  createUser,
  deactivate,
  flakyHooks,
  pause,
  storageServer,
  type Call,
} from './fixtures/deprovisioning.js';
import { PO, server, U } from './helpers.js';

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
