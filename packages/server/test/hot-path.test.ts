// Issue 12, performance targets: what the request pipeline leaves out on its hot path must not change
// what anyone sees. A store's `context.signal` is made only when read, yet still aborts at the
// deadline; every response, errors included, is built one way.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ScimError } from '@scim/core';
import { responseText, type ScimStore, type StoreContext } from '@scim/server';
import { createMemoryStore } from '@scim/server/memory';
import { BASE, G, PO, U, bj, expectError, server } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('context.signal is made on demand (issue 12)', () => {
  it('reads, queries and writes through stores that never read the signal make no combined signal', async () => {
    const { call } = server({ requestTimeoutMs: 30_000 });
    const user = await call('POST', '/Users', bj);
    const group = await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'Staff',
      members: [{ value: user.body.id }],
    });
    // AbortSignal.any is what made a request's signal; it costs more than the rest of a read.
    const any = vi.spyOn(AbortSignal, 'any');
    expect((await call('GET', `/Users/${String(user.body.id)}`)).status).toBe(200);
    expect((await call('GET', '/Users?filter=userName eq "bjensen"')).body.totalResults).toBe(1);
    const patch = await call('PATCH', `/Groups/${String(group.body.id)}`, {
      schemas: [PO],
      Operations: [{ op: 'remove', path: 'members', value: [{ value: user.body.id }] }],
    });
    expect(patch.status).toBeLessThan(300);
    const title = await call('PATCH', `/Users/${String(user.body.id)}`, {
      schemas: [PO],
      Operations: [{ op: 'replace', path: 'title', value: 'Boss' }],
    });
    expect(title.status).toBeLessThan(300);
    expect(any).not.toHaveBeenCalled();
  });

  it('a store that spreads its context still gets a signal that aborts at the deadline', async () => {
    const users = createMemoryStore();
    let seen: AbortSignal | undefined;
    const spreading: ScimStore = {
      ...users,
      get: async (id, context: StoreContext) => {
        const copy = { ...context };
        await new Promise((resolve) => setTimeout(resolve, 80));
        seen = copy.signal;
        return users.get(id, context);
      },
    };
    const { call } = server({
      stores: { User: spreading, Group: createMemoryStore() },
      requestTimeoutMs: 20,
      onError: () => {},
    });
    expectError(await call('GET', '/Users/any'), 503);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(seen).toBeInstanceOf(AbortSignal);
    expect(seen?.aborted).toBe(true);
  });

  it('a signal first read after the deadline is already aborted, with the 503 as its reason', async () => {
    const users = createMemoryStore();
    let reason: unknown;
    const late: ScimStore = {
      ...users,
      get: async (id, context: StoreContext) => {
        await new Promise((resolve) => setTimeout(resolve, 80));
        // The first read of the signal in this request.
        reason = context.signal.aborted ? context.signal.reason : 'not aborted';
        return users.get(id, context);
      },
    };
    const { call } = server({
      stores: { User: late, Group: createMemoryStore() },
      requestTimeoutMs: 20,
      onError: () => {},
    });
    expectError(await call('GET', '/Users/any'), 503);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(reason).toBeInstanceOf(ScimError);
    expect((reason as ScimError).status).toBe(503);
  });
});

describe('responses (RFC 7644 §3.12)', () => {
  it('an error response carries X-Request-Id and its body as text for adapters', async () => {
    const { handler } = server();
    const response = await handler.fetch(
      new Request(`${BASE}/Users/missing`, {
        headers: { authorization: 'Bearer secret', 'x-request-id': 'req-42' },
      }),
    );
    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toBe('req-42');
    expect(response.headers.get('content-type')).toBe('application/scim+json');
    const text = responseText(response);
    expect(text).toBeDefined();
    expect(JSON.parse(text ?? '')).toEqual(await response.json());
  });

  it('the body text stays readable for adapters after a wrapper has read the stream', async () => {
    const { handler } = server();
    const response = await handler.fetch(
      new Request(`${BASE}/Users/missing`, { headers: { authorization: 'Bearer secret' } }),
    );
    const read = await response.text();
    expect(response.bodyUsed).toBe(true);
    // An adapter given this response cannot read the stream again: the text is what it writes.
    expect(responseText(response)).toBe(read);
  });

  it('a response the handler did not make has no body text', () => {
    expect(responseText(new Response('{}'))).toBeUndefined();
  });

  it('a header an error names in another case replaces the SCIM one rather than doubling it', async () => {
    const users = createMemoryStore();
    const refusing: ScimStore = {
      ...users,
      get: () => {
        throw new ScimError({
          status: 503,
          detail: 'down for maintenance',
          headers: { 'Retry-After': '7', 'Content-Type': 'text/plain', 'X-Request-Id': 'forged' },
        });
      },
    };
    const { handler } = server({
      stores: { User: refusing, Group: createMemoryStore() },
      onError: () => {},
    });
    const response = await handler.fetch(
      new Request(`${BASE}/Users/u1`, {
        headers: { authorization: 'Bearer secret', 'x-request-id': 'req-43' },
      }),
    );
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(response.headers.get('content-type')).toBe('application/scim+json');
    expect(response.headers.get('x-request-id')).toBe('req-43');
  });

  it('a response without a body keeps the headers its outcome names', async () => {
    const { call } = server();
    const user = await call('POST', '/Users', { schemas: [U], userName: 'etag-user' });
    const etag = user.headers.get('etag') ?? '';
    const again = await call('GET', `/Users/${String(user.body.id)}`, undefined, {
      'if-none-match': etag,
    });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('x-request-id')).not.toBeNull();
  });

  it('a body longer than its Content-Length said is still refused with 413 (P-SEC-13)', async () => {
    const { handler } = server({ limits: { maxPayloadBytes: 100 } });
    const body = JSON.stringify({ schemas: [U], userName: 'x'.repeat(200) });
    const response = await handler.fetch(
      new Request(`${BASE}/Users`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer secret',
          'content-type': 'application/scim+json',
          'content-length': '40',
        },
        body,
      }),
    );
    expect(response.status).toBe(413);
  });

  it('a resource that cannot be serialised is answered 500, not a rejected fetch (P-ERR-01)', async () => {
    const users = createMemoryStore();
    const odd: ScimStore = {
      ...users,
      get: (id) =>
        Promise.resolve({ schemas: [U], id, userName: 'odd', title: 10n as unknown as string }),
    };
    const { call } = server({
      stores: { User: odd, Group: createMemoryStore() },
      onError: () => {},
    });
    expectError(await call('GET', '/Users/u1'), 500);
  });
});
