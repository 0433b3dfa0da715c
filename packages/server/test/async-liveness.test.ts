// Asynchronous requests (RFC 9967 §2.5.1) always end: the client is always answered, the work
// behind a 202 always ends with a completion, and close() always resolves, whatever a store does.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SCIM_MEDIA_TYPE, type ScimResource } from '@scim/core';
import type { ScimStore, TransactionContext } from '@scim/server';
import { createMemoryStorage, createMemoryStore } from '@scim/server/memory';
import { ASYNC, completions, createGate, heldStore } from './async-helpers.js';
import { BASE, bj, server } from './helpers.js';

const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

afterEach(() => {
  vi.useRealTimers();
});

/** A memory store whose calls `hang` names never settle, whatever their signal says. */
function hangingStore(
  hang: (name: string, args: unknown[]) => boolean,
  store: ScimStore = createMemoryStore(),
): ScimStore {
  return new Proxy(store, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) =>
        hang(String(name), args) ? new Promise(() => undefined) : method.apply(target, args);
    },
  });
}

/** Whether `promise` has settled yet, read after the fake clock moved. */
function settledFlag(promise: Promise<unknown>): { value: boolean } {
  const flag = { value: false };
  void promise.then(
    () => (flag.value = true),
    () => (flag.value = true),
  );
  return flag;
}

function put(id: string, prefer: string, signal?: AbortSignal): Request {
  return new Request(`${BASE}/Users/${id}`, {
    method: 'PUT',
    ...(signal !== undefined && { signal }),
    headers: { authorization: 'Bearer secret', 'content-type': SCIM_MEDIA_TYPE, prefer },
    body: JSON.stringify({ ...bj, displayName: 'x' }),
  });
}

/**
 * A transaction whose commit, once `stalling()`, waits until its context's signal aborts (then
 * fails as a store giving up would), telling `onStall` when it starts waiting and `onAbort` when
 * the signal aborts.
 */
function stallingTransaction(stalling: () => boolean, onStall: () => void, onAbort: () => void) {
  return async <T>(
    work: (handle: unknown) => Promise<T>,
    context?: TransactionContext,
  ): Promise<T> => {
    const result = await work({});
    if (stalling() && context !== undefined) {
      onStall();
      const signal = context.signal;
      await new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
      onAbort();
      throw signal.reason;
    }
    return result;
  };
}

describe('the request deadline answers a request the asynchronous machinery took', () => {
  it("a 'long' bulk without a transaction is answered 202 at afterMs while a later operation hangs", async () => {
    vi.useFakeTimers();
    const users = hangingStore(
      (name, args) => name === 'create' && (args[0] as ScimResource).userName === 'hang',
    );
    const { handler } = server({
      stores: { User: users, Group: createMemoryStore() },
      requestTimeoutMs: 1_000,
      asyncRequests: { mode: 'long', afterMs: 500 },
    });
    const reply = handler.fetch(
      new Request(`${BASE}/Bulk`, {
        method: 'POST',
        headers: { authorization: 'Bearer secret', 'content-type': SCIM_MEDIA_TYPE },
        body: JSON.stringify({
          schemas: [BULK],
          Operations: [
            { method: 'POST', path: '/Users', bulkId: 'a', data: bj },
            { method: 'POST', path: '/Users', bulkId: 'b', data: { ...bj, userName: 'hang' } },
          ],
        }),
      }),
    );
    const settled = settledFlag(reply);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(settled.value).toBe(true);
    expect((await reply).status).toBe(202);
  });

  it('a PUT answered normally at its commit gets the 503 when the commit outlives requestTimeoutMs', async () => {
    vi.useFakeTimers();
    let stalling = false;
    const { handler, call } = server({
      requestTimeoutMs: 1_000,
      asyncRequests: { mode: 'request' },
      onError: () => undefined,
      // A commit that never returns, whatever its signal says.
      transaction: async <T>(work: (handle: unknown) => Promise<T>): Promise<T> => {
        const result = await work({});
        if (stalling) await new Promise(() => undefined);
        return result;
      },
    });
    const id = (await call('POST', '/Users', bj)).body.id as string;
    stalling = true;
    const reply = handler.fetch(put(id, 'respond-async, wait=5'));
    const settled = settledFlag(reply);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(settled.value).toBe(true);
    expect((await reply).status).toBe(503);
  });

  it("the request deadline's 503 aborts the signal the work's transaction sees", async () => {
    vi.useFakeTimers();
    let stalling = false;
    let aborted = false;
    const { handler, call } = server({
      requestTimeoutMs: 1_000,
      asyncRequests: { mode: 'request' },
      onError: () => undefined,
      transaction: stallingTransaction(
        () => stalling,
        () => undefined,
        () => (aborted = true),
      ),
    });
    const id = (await call('POST', '/Users', bj)).body.id as string;
    stalling = true;
    const reply = handler.fetch(put(id, 'respond-async, wait=5'));
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await reply).status).toBe(503);
    expect(aborted).toBe(true);
  });

  it('a client leaving once the answer is the normal response aborts the signal the work sees', async () => {
    const stalled = createGate();
    const gaveUp = createGate();
    let stalling = false;
    const { handler, call } = server({
      asyncRequests: { mode: 'request' },
      onError: () => undefined,
      transaction: stallingTransaction(() => stalling, stalled.open, gaveUp.open),
    });
    const id = (await call('POST', '/Users', bj)).body.id as string;
    stalling = true;
    const client = new AbortController();
    const reply = handler.fetch(put(id, 'respond-async, wait=30', client.signal));
    await stalled.opened;
    client.abort();
    // Resolves only because the commit saw its signal abort.
    await gaveUp.opened;
    expect((await reply).status).not.toBe(202);
    await handler.close();
    expect(await completions(handler)).toEqual([]);
  });
});

describe('timeoutMs ends the work behind a 202', () => {
  it('a store call that ignores the signal: the completion says 503, and close() resolves', async () => {
    vi.useFakeTimers();
    let hang = false;
    const users = hangingStore((name) => hang && name === 'replace');
    const { handler, call } = server({
      stores: { User: users, Group: createMemoryStore() },
      asyncRequests: { mode: 'request', timeoutMs: 1_000 },
      onError: () => undefined,
    });
    const id = (await call('POST', '/Users', bj)).body.id as string;
    hang = true;
    const reply = await call('PUT', `/Users/${id}`, { ...bj, displayName: 'x' }, ASYNC);
    expect(reply.status).toBe(202);
    const closed = settledFlag(handler.close());
    await vi.advanceTimersByTimeAsync(60_000);
    expect((await completions(handler)).map((c) => c.asyncResponse?.status)).toEqual(['503']);
    expect(closed.value).toBe(true);
  });

  it('E-ASYNC-01: the work of an abandoned request frees its maxInFlight slot', async () => {
    vi.useFakeTimers();
    let hang = false;
    const users = hangingStore((name) => hang && name === 'replace');
    const { call } = server({
      stores: { User: users, Group: createMemoryStore() },
      asyncRequests: { mode: 'request', maxInFlight: 1, timeoutMs: 1_000 },
      onError: () => undefined,
    });
    const id = (await call('POST', '/Users', bj)).body.id as string;
    const other = (await call('POST', '/Users', { ...bj, userName: 'other' })).body.id as string;
    hang = true;
    const first = await call('PUT', `/Users/${id}`, { ...bj, displayName: 'x' }, ASYNC);
    expect(first.status).toBe(202);
    await vi.advanceTimersByTimeAsync(60_000);
    hang = false;
    expect((await call('DELETE', `/Users/${other}`, undefined, ASYNC)).status).toBe(202);
  });

  it('without timeoutMs, the work is abandoned after ten minutes', async () => {
    vi.useFakeTimers();
    let hang = false;
    const users = hangingStore((name) => hang && name === 'replace');
    const { handler, call } = server({
      stores: { User: users, Group: createMemoryStore() },
      asyncRequests: { mode: 'request' },
      onError: () => undefined,
    });
    const id = (await call('POST', '/Users', bj)).body.id as string;
    hang = true;
    expect((await call('PUT', `/Users/${id}`, { ...bj, displayName: 'x' }, ASYNC)).status).toBe(
      202,
    );
    await vi.advanceTimersByTimeAsync(599_000);
    expect(await completions(handler)).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await completions(handler)).map((c) => c.asyncResponse?.status)).toEqual(['503']);
  });

  it('a write that returns after timeoutMs rolls back in its transaction: the 503 is the only completion', async () => {
    vi.useFakeTimers();
    const storage = createMemoryStorage();
    const gate = createGate();
    let holding = false;
    const users = new Proxy(storage.stores.User as ScimStore, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        const method = value as (...args: unknown[]) => unknown;
        if (name !== 'replace') return method.bind(target);
        return async (...args: unknown[]) => {
          // Ignores its signal, and writes once let go.
          if (holding) await gate.opened;
          return method.apply(target, args);
        };
      },
    });
    const { handler, call } = server({
      ...storage,
      stores: { ...storage.stores, User: users },
      asyncRequests: { mode: 'request', timeoutMs: 1_000 },
      onError: () => undefined,
    });
    const id = (await call('POST', '/Users', bj)).body.id as string;
    holding = true;
    expect((await call('PUT', `/Users/${id}`, { ...bj, displayName: 'late' }, ASYNC)).status).toBe(
      202,
    );
    await vi.advanceTimersByTimeAsync(1_000);
    holding = false;
    gate.open();
    await vi.advanceTimersByTimeAsync(1_000);
    await handler.close();
    expect((await call('GET', `/Users/${id}`)).body.displayName).toBe(bj.displayName);
    expect((await completions(handler)).map((c) => c.asyncResponse?.status)).toEqual(['503']);
  });

  it('E-ASYNC-06: an abandoned bulk without a transaction keeps the completions of the operations that ran', async () => {
    vi.useFakeTimers();
    const users = hangingStore(
      (name, args) => name === 'create' && (args[0] as ScimResource).userName === 'hang',
    );
    const { handler, call } = server({
      stores: { User: users, Group: createMemoryStore() },
      asyncRequests: { mode: 'request', timeoutMs: 1_000 },
      onError: () => undefined,
    });
    const reply = await call(
      'POST',
      '/Bulk',
      {
        schemas: [BULK],
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'a', data: bj },
          { method: 'POST', path: '/Users', bulkId: 'b', data: { ...bj, userName: 'hang' } },
        ],
      },
      ASYNC,
    );
    const txn = reply.headers.get('set-txn') ?? '';
    await vi.advanceTimersByTimeAsync(1_000);
    await handler.close();
    expect((await completions(handler)).map((c) => [c.changeId, c.asyncResponse?.status])).toEqual([
      [`${txn}:0`, '201'],
      [`${txn}:1`, '503'],
    ]);
  });
});

describe('E-ASYNC-01: maxInFlight counts the requests answered 202', () => {
  it('a write still within its wait takes no slot from a request asking for respond-async', async () => {
    const gate = createGate();
    const held = createGate();
    let first = true;
    const users = heldStore(
      gate.opened,
      () => {
        const hold = first;
        first = false;
        return hold;
      },
      held.open,
    );
    const { call } = server({
      stores: { User: users, Group: createMemoryStore() },
      asyncRequests: { mode: 'request', maxInFlight: 1 },
    });
    const waiting = call('POST', '/Users', bj, { prefer: 'respond-async, wait=30' });
    await held.opened;
    const second = await call('POST', '/Users', { ...bj, userName: 'second' }, ASYNC);
    expect(second.status).toBe(202);
    gate.open();
    expect((await waiting).status).toBe(201);
  });
});
