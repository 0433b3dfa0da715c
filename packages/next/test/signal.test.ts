// Next builds the route's Request with a signal that aborts only when the client goes away (its
// `signalFromNodeResponse`); the route handlers hand that request on untouched, so stores see it.
import { describe, expect, it } from 'vitest';
import { toNextHandlers } from '@scim/next';
import { driverLikeStore, holdingStore, writeWithBodies } from '../../express/test/signal-store.ts';

const BASE = 'https://next.test/scim/v2';

describe('Next.js route handlers and context.signal', () => {
  it('context.signal stays unaborted for POST, PUT, PATCH and Bulk', async () => {
    const users = driverLikeStore();
    const groups = driverLikeStore();
    const handlers = toNextHandlers({
      stores: { User: users.store, Group: groups.store },
      hashPassword: (password) => Promise.resolve(`test:${password.length}`),
      authenticate: () => ({ principal: 'test' }),
    });
    await writeWithBodies((path, method, body) => {
      const request = new Request(`${BASE}${path}`, {
        method,
        headers: { 'content-type': 'application/scim+json' },
        body: JSON.stringify(body),
        signal: new AbortController().signal,
      });
      return handlers[method as 'POST' | 'PUT' | 'PATCH'](request);
    }, 'next-signal');
    expect([...users.aborted, ...groups.aborted]).toEqual([]);
  });

  it('context.signal is the request signal Next aborts when the client goes away', async () => {
    const client = new AbortController();
    let seen: (aborted: boolean) => void = () => undefined;
    const aborted = new Promise<boolean>((resolve) => (seen = resolve));
    const handlers = toNextHandlers({
      stores: {
        User: holdingStore({ started: () => client.abort(), seen }),
        Group: driverLikeStore().store,
      },
      authenticate: () => ({ principal: 'test' }),
      onError: () => undefined,
    });
    const response = handlers.POST(
      new Request(`${BASE}/Users`, {
        method: 'POST',
        headers: { 'content-type': 'application/scim+json' },
        body: JSON.stringify({
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: 'gone',
        }),
        signal: client.signal,
      }),
    );
    expect(await aborted).toBe(true);
    await response;
  });
});
