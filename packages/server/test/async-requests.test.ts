// Asynchronous SCIM requests (RFC 9967 §2.5.1, §3, §4): when a write is answered 202 Accepted, what
// the answer carries, and when it is answered normally instead.
import { describe, expect, it } from 'vitest';
import { MISC_ASYNCRESP_EVENT_URI, PROV_CREATE_FULL_EVENT_URI, UserResourceType } from '@scim/core';
import type { StoreContext } from '@scim/server';
import { createMemoryStore } from '@scim/server/memory';
import { parsePreferences } from '../src/lib/async/prefer.js';
import { ASYNC, completions, createGate, heldStore } from './async-helpers.js';
import { BASE, bj, expectError, server, U } from './helpers.js';

const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

/** A handler taking asynchronous requests when asked, with one user to write to. */
async function withUser(options: Parameters<typeof server>[0] = {}) {
  const scim = server({ asyncRequests: { mode: 'request' }, ...options });
  const created = await scim.call('POST', '/Users', bj);
  expect(created.status).toBe(201);
  return { ...scim, id: created.body.id as string, etag: created.headers.get('etag') };
}

const renamed = { ...bj, displayName: 'Barbara Jensen' };

describe('E-ASYNC-09: without asynchronous requests, Prefer: respond-async is ignored', () => {
  it('E-ASYNC-09: by default a PUT asking for respond-async is answered 200 with the resource', async () => {
    const { call, id, handler } = await withUser({ asyncRequests: undefined });
    const reply = await call('PUT', `/Users/${id}`, renamed, ASYNC);
    expect(reply.status).toBe(200);
    expect(reply.body.displayName).toBe('Barbara Jensen');
    expect(reply.headers.get('set-txn')).toBeNull();
    expect(reply.headers.get('preference-applied')).toBeNull();
    await handler.close();
    expect(await completions(handler)).toEqual([]);
  });

  it("E-ASYNC-09: mode 'none' answers a POST asking for respond-async with 201", async () => {
    const { call } = server({ asyncRequests: { mode: 'none' } });
    const reply = await call('POST', '/Users', bj, ASYNC);
    expect(reply.status).toBe(201);
    expect(reply.headers.get('set-txn')).toBeNull();
  });

  it("E-ASYNC-01: mode 'request' answers a write without the preference normally", async () => {
    const { call, id, handler } = await withUser();
    const reply = await call('PUT', `/Users/${id}`, renamed);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('set-txn')).toBeNull();
    // Run as any write: its change is named by its own first event, not by a Set-Txn.
    const updated = (await handler.outbox.list()).find(({ event }) => event.type === 'updated');
    expect(updated?.event.changeId).toBe(updated?.event.id);
  });
});

describe('E-ASYNC-01/E-ASYNC-02/E-ASYNC-07: the 202 Accepted', () => {
  it('E-ASYNC-01: a PUT with Prefer: respond-async is answered 202 and applied after', async () => {
    const { call, id, handler } = await withUser();
    const reply = await call('PUT', `/Users/${id}`, renamed, ASYNC);
    expect(reply.status).toBe(202);
    await handler.close();
    expect((await call('GET', `/Users/${id}`)).body.displayName).toBe('Barbara Jensen');
  });

  it('E-ASYNC-02: the 202 has no body, a Set-Txn, Preference-Applied: respond-async and the resource Location', async () => {
    const { call, id } = await withUser();
    const reply = await call('PUT', `/Users/${id}`, renamed, ASYNC);
    expect(reply.status).toBe(202);
    expect(reply.text).toBe('');
    expect(reply.headers.get('content-type')).toBeNull();
    expect(reply.headers.get('set-txn')).toMatch(/^[0-9a-f]{32}$/);
    expect(reply.headers.get('preference-applied')).toBe('respond-async');
    expect(reply.headers.get('location')).toBe(`${BASE}/Users/${id}`);
  });

  it('E-ASYNC-02: every 202 has its own Set-Txn', async () => {
    const { call, id } = await withUser();
    const first = await call('PATCH', `/Users/${id}`, replaceTitle('a'), ASYNC);
    const second = await call('PATCH', `/Users/${id}`, replaceTitle('b'), ASYNC);
    expect(first.headers.get('set-txn')).not.toBe(second.headers.get('set-txn'));
  });

  it('E-ASYNC-02: an asynchronous POST names the new resource in Location, where it is created', async () => {
    const { call, handler } = server({ asyncRequests: { mode: 'request' } });
    const reply = await call('POST', '/Users', bj, ASYNC);
    expect(reply.status).toBe(202);
    const location = reply.headers.get('location') ?? '';
    expect(location).toMatch(new RegExp(`^${BASE}/Users/[^/]+$`));
    await handler.close();
    const created = await call('GET', location);
    expect(created.status).toBe(200);
    expect(created.body.userName).toBe('bjensen');
    expect((created.body.meta as { location: string }).location).toBe(location);
  });

  it('E-ASYNC-02: an asynchronous DELETE is answered 202 with the Location of the resource it deletes', async () => {
    const { call, id, handler } = await withUser();
    const reply = await call('DELETE', `/Users/${id}`, undefined, ASYNC);
    expect(reply.status).toBe(202);
    expect(reply.headers.get('location')).toBe(`${BASE}/Users/${id}`);
    await handler.close();
    expectError(await call('GET', `/Users/${id}`), 404);
  });

  it('E-ASYNC-07: an asynchronous bulk request is answered 202 with Set-Txn and no body', async () => {
    const { call } = server({ asyncRequests: { mode: 'request' } });
    const reply = await call(
      'POST',
      '/Bulk',
      { schemas: [BULK], Operations: [{ method: 'POST', path: '/Users', bulkId: 'a', data: bj }] },
      ASYNC,
    );
    expect(reply.status).toBe(202);
    expect(reply.text).toBe('');
    expect(reply.headers.get('set-txn')).toMatch(/^[0-9a-f]{32}$/);
    // A bulk response has no Location (RFC 7644 §3.7.3): the client correlates by Set-Txn.
    expect(reply.headers.get('location')).toBeNull();
  });

  it('E-ASYNC-03: Accept is ignored for the asynchronous answer', async () => {
    const { call, id } = await withUser();
    const reply = await call('PUT', `/Users/${id}`, renamed, { ...ASYNC, accept: 'text/html' });
    expect(reply.status).toBe(202);
  });

  it('E-ASYNC-05: the Location of a 202 answers only an authenticated client', async () => {
    const { call } = server({ asyncRequests: { mode: 'request' } });
    const reply = await call('POST', '/Users', bj, ASYNC);
    const location = reply.headers.get('location') ?? '';
    expectError(await call('GET', location, undefined, { authorization: '' }), 401);
    expect((await call('GET', location)).status).toBe(200);
  });
});

describe('E-ASYNC-04: the wait preference', () => {
  it('E-ASYNC-04: a write done within wait is answered normally, and records no completion', async () => {
    const { call, id, handler } = await withUser();
    const reply = await call('PUT', `/Users/${id}`, renamed, { prefer: 'respond-async, wait=10' });
    expect(reply.status).toBe(200);
    expect(reply.body.displayName).toBe('Barbara Jensen');
    expect(reply.headers.get('set-txn')).toBeNull();
    await handler.close();
    expect(await completions(handler)).toEqual([]);
  });

  it('E-ASYNC-04: a failure within wait is answered as the error it is', async () => {
    const { call } = await withUser();
    expectError(
      await call('PUT', '/Users/nobody', renamed, { prefer: 'respond-async, wait=10' }),
      404,
    );
  });

  it('E-ASYNC-04: a write not done when wait runs out is answered 202', async () => {
    const gate = createGate();
    const users = heldStore(gate.opened);
    const { call, handler } = server({
      stores: { User: users, Group: createMemoryStore() },
      // wait=10 is held to 1 ms, so the answer comes while the store holds the write.
      asyncRequests: { mode: 'request', maxWaitMs: 1 },
    });
    const reply = await call('POST', '/Users', bj, { prefer: 'respond-async, wait=10' });
    expect(reply.status).toBe(202);
    gate.open();
    await handler.close();
    expect((await completions(handler)).map((event) => event.asyncResponse?.status)).toEqual([
      '201',
    ]);
  });

  it('E-ASYNC-04: a client that leaves while waiting is answered 202, and its completion is recorded', async () => {
    const gate = createGate();
    const leave = new AbortController();
    const users = heldStore(gate.opened, undefined, () => leave.abort());
    const { handler } = server({
      stores: { User: users, Group: createMemoryStore() },
      asyncRequests: { mode: 'request' },
    });
    const response = await handler.fetch(
      new Request(`${BASE}/Users`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer secret',
          'content-type': 'application/scim+json',
          prefer: 'respond-async, wait=10',
        },
        body: JSON.stringify(bj),
        signal: leave.signal,
      }),
    );
    expect(response.status).toBe(202);
    gate.open();
    await handler.close();
    expect(await completions(handler)).toHaveLength(1);
  });
});

describe('deadlines', () => {
  it('with requestTimeoutMs, an accepted request still running is answered 202, not 503', async () => {
    const gate = createGate();
    const { call, handler } = server({
      stores: { User: heldStore(gate.opened), Group: createMemoryStore() },
      requestTimeoutMs: 5,
      asyncRequests: { mode: 'request' },
    });
    const reply = await call('POST', '/Users', bj, { prefer: 'respond-async, wait=10' });
    expect(reply.status).toBe(202);
    gate.open();
    await handler.close();
    expect((await completions(handler)).map((event) => event.asyncResponse?.status)).toEqual([
      '201',
    ]);
  });

  it('asyncRequests.timeoutMs abandons the work behind a 202, whose completion then says 503', async () => {
    const inner = createMemoryStore();
    const context: StoreContext = {
      resourceType: UserResourceType,
      principal: undefined,
      tenant: undefined,
      signal: new AbortController().signal,
    };
    await inner.create({ schemas: [U], id: 'u1', userName: 'bjensen' }, context);
    const users = new Proxy(inner, {
      get(target, name) {
        const value = Reflect.get(target, name) as unknown;
        if (name !== 'get' || typeof value !== 'function') return value;
        // Reads only once the work's deadline has passed.
        return (id: string, given: StoreContext) =>
          new Promise((resolve) => {
            given.signal.addEventListener('abort', () => resolve(inner.get(id, given)));
          });
      },
    });
    const { call, handler } = server({
      stores: { User: users, Group: createMemoryStore() },
      asyncRequests: { mode: 'request', timeoutMs: 1 },
      onError: () => undefined,
    });
    expect((await call('PUT', '/Users/u1', renamed, ASYNC)).status).toBe(202);
    await handler.close();
    const [completion] = await completions(handler);
    expect(completion?.asyncResponse).toMatchObject({ method: 'PUT', status: '503' });
    expect((await inner.get('u1', context))?.displayName).toBeUndefined();
  });
});

describe("asynchronous requests in 'long' mode", () => {
  it("E-ASYNC-01: 'long' answers a write done within afterMs normally, preference or not", async () => {
    const { call, id } = await withUser({ asyncRequests: { mode: 'long', afterMs: 60_000 } });
    expect((await call('PUT', `/Users/${id}`, renamed)).status).toBe(200);
  });

  it("E-ASYNC-07: 'long' answers a write still running after afterMs 202 with Set-Txn, unasked", async () => {
    const gate = createGate();
    const { call, handler } = server({
      stores: { User: heldStore(gate.opened), Group: createMemoryStore() },
      asyncRequests: { mode: 'long', afterMs: 1 },
    });
    const reply = await call('POST', '/Users', bj);
    expect(reply.status).toBe(202);
    expect(reply.headers.get('set-txn')).toMatch(/^[0-9a-f]{32}$/);
    // The client asked for nothing, so no preference was applied.
    expect(reply.headers.get('preference-applied')).toBeNull();
    gate.open();
    await handler.close();
    expect(await completions(handler)).toHaveLength(1);
  });
});

describe('what is refused before a request is accepted', () => {
  it('P-SEC-01: an unauthenticated asynchronous write is answered 401 at once', async () => {
    const { call } = server({ asyncRequests: { mode: 'request' } });
    expectError(await call('POST', '/Users', bj, { ...ASYNC, authorization: '' }), 401);
  });

  it('P-CRUD-06: an asynchronous POST with malformed JSON is answered 400 invalidSyntax at once', async () => {
    const { call, handler } = server({ asyncRequests: { mode: 'request' } });
    expectError(await call('POST', '/Users', '{"schemas":', ASYNC), 400, 'invalidSyntax');
    await handler.close();
    expect(await completions(handler)).toEqual([]);
  });

  it('P-PATCH-01: an asynchronous PATCH that is not a PatchOp is answered 400 at once', async () => {
    const { call, id } = await withUser();
    expectError(await call('PATCH', `/Users/${id}`, { schemas: [U] }, ASYNC), 400, 'invalidSyntax');
  });

  it('P-BULK-20: an asynchronous bulk request over maxOperations is answered 413 at once', async () => {
    const { call } = server({
      asyncRequests: { mode: 'request' },
      limits: { bulkMaxOperations: 1 },
    });
    const operation = { method: 'DELETE', path: '/Users/x' };
    const reply = await call(
      'POST',
      '/Bulk',
      { schemas: [BULK], Operations: [operation, operation] },
      ASYNC,
    );
    expectError(reply, 413);
  });

  it('P-CRUD-01: a GET asking for respond-async is answered normally', async () => {
    const { call, id } = await withUser();
    const reply = await call('GET', `/Users/${id}`, undefined, ASYNC);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('set-txn')).toBeNull();
  });
});

describe('in-flight bound and shutdown', () => {
  it('E-ASYNC-01: beyond maxInFlight, a request asking for respond-async is answered synchronously', async () => {
    const gate = createGate();
    let first = true;
    const users = heldStore(gate.opened, () => {
      const hold = first;
      first = false;
      return hold;
    });
    const { call, handler } = server({
      stores: { User: users, Group: createMemoryStore() },
      asyncRequests: { mode: 'request', maxInFlight: 1 },
    });
    expect((await call('POST', '/Users', bj, ASYNC)).status).toBe(202);
    const second = await call('POST', '/Users', { schemas: [U], userName: 'second' }, ASYNC);
    expect(second.status).toBe(201);
    expect(second.headers.get('set-txn')).toBeNull();
    gate.open();
    await handler.close();
    expect(await completions(handler)).toHaveLength(1);
  });

  it('close() waits for the accepted requests, and answers later ones synchronously', async () => {
    const gate = createGate();
    const { call, handler } = server({
      stores: { User: heldStore(gate.opened), Group: createMemoryStore() },
      asyncRequests: { mode: 'request' },
    });
    expect((await call('POST', '/Users', bj, ASYNC)).status).toBe(202);
    let closed = false;
    const closing = handler.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    expect(await completions(handler)).toEqual([]);
    gate.open();
    await closing;
    expect(await completions(handler)).toHaveLength(1);
    const later = await call('POST', '/Users', { schemas: [U], userName: 'later' }, ASYNC);
    expect(later.status).toBe(201);
  });
});

describe('E-ASYNC-08: securityEvents in /ServiceProviderConfig', () => {
  it('E-ASYNC-08: left out when not configured, which says events are unsupported', async () => {
    const { call } = server({ asyncRequests: { mode: 'request' } });
    expect((await call('GET', '/ServiceProviderConfig')).body.securityEvents).toBeUndefined();
  });

  it('E-ASYNC-08: asyncRequest is the handler mode, and eventUris gain misc:asyncresp when it is on', async () => {
    const { call } = server({
      asyncRequests: { mode: 'request' },
      securityEvents: { eventUris: [PROV_CREATE_FULL_EVENT_URI] },
    });
    expect((await call('GET', '/ServiceProviderConfig')).body.securityEvents).toEqual({
      asyncRequest: 'request',
      eventUris: [PROV_CREATE_FULL_EVENT_URI, MISC_ASYNCRESP_EVENT_URI],
    });
  });

  it("E-ASYNC-08: without asyncRequests it says 'none' and lists no asyncresp, whatever the option held", async () => {
    const given = { asyncRequest: 'long', eventUris: [PROV_CREATE_FULL_EVENT_URI] };
    const { call } = server({ securityEvents: given });
    expect((await call('GET', '/ServiceProviderConfig')).body.securityEvents).toEqual({
      asyncRequest: 'none',
      eventUris: [PROV_CREATE_FULL_EVENT_URI],
    });
  });

  it('E-ASYNC-08: an unknown mode stops the handler at start-up', () => {
    expect(() => server({ asyncRequests: { mode: 'sometimes' as 'long' } })).toThrow(TypeError);
  });
});

describe('the Prefer header (RFC 7240 §2)', () => {
  it('E-ASYNC-04: reads respond-async and wait in any case, with parameters and quotes', () => {
    expect(parsePreferences('Respond-Async; foo=1, WAIT="7"')).toEqual({
      respondAsync: true,
      waitSeconds: 7,
    });
  });

  it('E-ASYNC-04: only the first instance of a preference counts, and a wait that is no number is ignored', () => {
    expect(parsePreferences('wait=3, wait=9').waitSeconds).toBe(3);
    expect(parsePreferences('respond-async, wait=soon').waitSeconds).toBeUndefined();
    expect(parsePreferences('return=minimal').respondAsync).toBe(false);
    expect(parsePreferences(null)).toEqual({ respondAsync: false, waitSeconds: undefined });
  });
});

function replaceTitle(title: string) {
  return {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'replace', path: 'title', value: title }],
  };
}
