// Issue 11, "Aborts and time limits": with requestTimeoutMs, store calls see their signal abort at the
// deadline and the client gets 503 with Retry-After, even when a store call never settles.
import { describe, expect, it } from 'vitest';
import type { ScimStore, StoreContext } from '@scim/server';
import { createMemoryStore } from '@scim/server/memory';
import { bj, expectError, server } from './helpers.js';

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
