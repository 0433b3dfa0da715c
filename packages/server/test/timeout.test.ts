// Issue 11, "Aborts and time limits": with requestTimeoutMs, store calls see their signal abort at the
// deadline and the client gets 503 with Retry-After, even when a store call never settles.
import { describe, expect, it } from 'vitest';
import type { ScimStore, StoreContext } from '@scim/server';
import { createMemoryStore } from '@scim/server/memory';
import { UserResourceType } from '@scim/core';
import { U, bj, expectError, server } from './helpers.js';

describe('requestTimeoutMs (RFC 7231 §6.6.4: 503 with Retry-After)', () => {
  it('a store call that never settles is answered 503 with Retry-After at the deadline', async () => {
    const users = createMemoryStore();
    const hanging: ScimStore = { ...users, query: () => new Promise(() => undefined) };
    const { call } = server({
      stores: { User: hanging, Group: createMemoryStore() },
      requestTimeoutMs: 50,
      onError: () => {},
    });
    const started = performance.now();
    const reply = await call('GET', '/Users');
    expectError(reply, 503);
    expect(reply.headers.get('retry-after')).toBe('1');
    expect(reply.body.detail).toContain('longer than 50 ms');
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('store calls see context.signal abort when the deadline passes', async () => {
    const users = createMemoryStore();
    let signal: AbortSignal | undefined;
    const slow: ScimStore = {
      ...users,
      create: async (resource, context: StoreContext) => {
        signal = context.signal;
        await new Promise((resolve) => setTimeout(resolve, 200));
        context.signal.throwIfAborted();
        return users.create(resource, context);
      },
    };
    const { call } = server({
      stores: { User: slow, Group: createMemoryStore() },
      requestTimeoutMs: 30,
      onError: () => {},
    });
    expectError(await call('POST', '/Users', bj), 503);
    expect(signal?.aborted).toBe(true);
    // The store honoured the signal: nothing was written after the client was told 503.
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await call('GET', '/Users')).body.totalResults).toBe(0);
  });

  it('nothing is written and no hook fires after the 503, even when the store ignores the signal', async () => {
    const users = createMemoryStore();
    let replaced = 0;
    const hooks: string[] = [];
    const slow: ScimStore = {
      ...users,
      // Reads take longer than the deadline, and nothing here looks at the signal.
      get: async (id, context) => {
        await new Promise((resolve) => setTimeout(resolve, 60));
        return users.get(id, context);
      },
      replace: (resource, context) => {
        replaced += 1;
        return users.replace(resource, context);
      },
    };
    const { call } = server({
      stores: { User: slow, Group: createMemoryStore() },
      requestTimeoutMs: 20,
      onError: () => {},
      hooks: {
        afterPatch: () => void hooks.push('afterPatch'),
        onDeactivate: () => void hooks.push('onDeactivate'),
      },
    });
    const id = (
      await users.create(
        { schemas: [U], id: 'u1', userName: 'bjensen', active: true },
        {
          resourceType: UserResourceType,
          principal: undefined,
          tenant: undefined,
          signal: new AbortController().signal,
        },
      )
    ).id as string;
    const reply = await call('PATCH', `/Users/${id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    expectError(reply, 503);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(replaced).toBe(0);
    expect(hooks).toEqual([]);
    expect(
      (
        await users.get(id, {
          resourceType: UserResourceType,
          principal: undefined,
          tenant: undefined,
          signal: new AbortController().signal,
        })
      )?.active,
    ).toBe(true);
  });

  it('a request inside the deadline is answered as usual, and its signal never aborts', async () => {
    const users = createMemoryStore();
    let signal: AbortSignal | undefined;
    const watched: ScimStore = {
      ...users,
      create: (resource, context) => {
        signal = context.signal;
        return users.create(resource, context);
      },
    };
    const { call } = server({
      stores: { User: watched, Group: createMemoryStore() },
      requestTimeoutMs: 1_000,
    });
    expect((await call('POST', '/Users', bj)).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(signal?.aborted).toBe(false);
  });

  it('bulk operations share the bulk request deadline', async () => {
    const users = createMemoryStore();
    const hanging: ScimStore = { ...users, create: () => new Promise(() => undefined) };
    const { call } = server({
      stores: { User: hanging, Group: createMemoryStore() },
      requestTimeoutMs: 50,
      onError: () => {},
    });
    const reply = await call('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [{ method: 'POST', path: '/Users', bulkId: 'a', data: bj }],
    });
    expectError(reply, 503);
  });

  it('a timeout that is not a positive number fails at start-up', () => {
    expect(() => server({ requestTimeoutMs: 0 })).toThrow(/requestTimeoutMs/);
  });
});
