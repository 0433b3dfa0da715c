// Failures around asynchronous requests (RFC 9967 §2.5.1): the work behind a 202 never rejects
// unhandled, and a write that committed is never reported as failed.
import { afterEach, describe, expect, it } from 'vitest';
import { SCIM_MEDIA_TYPE } from '@scim/core';
import type { ScimOutbox, ScimStore } from '@scim/server';
import { createMemoryOutbox, createMemoryStorage, createMemoryStore } from '@scim/server/memory';
import { ASYNC, completions, createGate } from './async-helpers.js';
import { BASE, bj, server } from './helpers.js';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
  unhandled.length = 0;
});

/**
 * An outbox outside the storage's transaction (written after the commit) that refuses the next
 * append holding a record `refuses` picks, once `arm()` was called.
 */
function refusingOnceOutbox(refuses: (type: string) => boolean) {
  const inner = createMemoryOutbox();
  let armed = false;
  const outbox: ScimOutbox = {
    ...inner,
    list: inner.list.bind(inner),
    claim: inner.claim.bind(inner),
    joinsTransactions: false,
    append: (events, leaseUntil, context) => {
      if (armed && events.some((event) => refuses(event.type))) {
        armed = false;
        return Promise.reject(new Error('outbox: deadlock detected'));
      }
      return inner.append(events, leaseUntil, context);
    },
  };
  return { outbox, arm: () => (armed = true) };
}

describe('the work behind a 202 never rejects unhandled', () => {
  it('a 500 after the 202, with an onError that throws, leaves no unhandled rejection', async () => {
    process.on('unhandledRejection', onUnhandled);
    const gate = createGate();
    let failing = false;
    const users: ScimStore = new Proxy(createMemoryStore(), {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        const method = value as (...args: unknown[]) => unknown;
        if (name !== 'replace') return method.bind(target);
        return async (...args: unknown[]) => {
          if (!failing) return method.apply(target, args);
          await gate.opened;
          throw new Error('connection reset by peer (db-7.internal:5432)');
        };
      },
    });
    const { handler, call } = server({
      stores: { User: users, Group: createMemoryStore() },
      asyncRequests: { mode: 'request' },
      // An application logger that throws (a circular structure, a closed transport, ...).
      onError: () => {
        throw new Error('logger is closed');
      },
    });
    const id = (await call('POST', '/Users', bj)).body.id as string;
    failing = true;
    const client = new AbortController();
    const reply = handler.fetch(
      new Request(`${BASE}/Users/${id}`, {
        method: 'PUT',
        signal: client.signal,
        headers: {
          authorization: 'Bearer secret',
          'content-type': SCIM_MEDIA_TYPE,
          prefer: 'respond-async, wait=30',
        },
        body: JSON.stringify({ ...bj, displayName: 'x' }),
      }),
    );
    // The client leaves while waiting: answered 202, the work goes on.
    await new Promise((resolve) => setImmediate(resolve));
    client.abort();
    expect((await reply).status).toBe(202);
    gate.open();
    await handler.close();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(unhandled).toEqual([]);
    // The completion is recorded all the same.
    expect((await completions(handler)).map((c) => c.asyncResponse?.status)).toEqual(['500']);
  });
});

describe('a committed write is never reported as failed', () => {
  it('E-TYPE-10: with an outbox outside the transaction, a completion whose append fails once is appended alone, saying 200', async () => {
    const { outbox, arm } = refusingOnceOutbox((type) => type === 'asyncCompleted');
    const { handler, call } = server({
      ...createMemoryStorage(),
      outbox,
      asyncRequests: { mode: 'request' },
      onError: () => undefined,
    });
    const id = (await call('POST', '/Users', bj)).body.id as string;
    arm();
    const reply = await call('PUT', `/Users/${id}`, { ...bj, displayName: 'Committed' }, ASYNC);
    expect(reply.status).toBe(202);
    await handler.close();
    expect((await call('GET', `/Users/${id}`)).body.displayName).toBe('Committed');
    expect((await completions(handler)).map((c) => c.asyncResponse?.status)).toEqual(['200']);
  });

  it('with an outbox outside the transaction, a PUT whose events fail to append after the commit is answered 200, and onError hears of it', async () => {
    const { outbox, arm } = refusingOnceOutbox((type) => type === 'updated');
    const errors: unknown[] = [];
    const { call } = server({
      ...createMemoryStorage(),
      outbox,
      onError: (error) => void errors.push(error),
    });
    const id = (await call('POST', '/Users', bj)).body.id as string;
    arm();
    const reply = await call('PUT', `/Users/${id}`, { ...bj, displayName: 'Committed' });
    expect(reply.status).toBe(200);
    expect(reply.body.displayName).toBe('Committed');
    expect(errors).toHaveLength(1);
  });
});
