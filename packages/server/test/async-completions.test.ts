// How an asynchronous request's end is recorded (RFC 9967 §2.5.1): an `asyncCompleted` record in
// the lifecycle outbox, in the write's transaction, with the txn the client was given.
import { describe, expect, it } from 'vitest';
import type { LifecycleEvent, ScimOutbox } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { ASYNC, completions, deactivate, records } from './async-helpers.js';
import { bj, ERR, PO, server, U } from './helpers.js';

const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

async function withUser(options: Parameters<typeof server>[0] = {}) {
  const scim = server({ asyncRequests: { mode: 'request' }, ...options });
  const created = await scim.call('POST', '/Users', { ...bj, active: true });
  expect(created.status).toBe(201);
  return { ...scim, id: created.body.id as string };
}

const renamed = { ...bj, active: true, displayName: 'Barbara Jensen' };

describe('E-TYPE-10: the completion of an asynchronous request', () => {
  it('E-TYPE-10: an asynchronous PUT records {method, location, version, status "200"} under the Set-Txn', async () => {
    const { call, id, handler } = await withUser();
    const reply = await call('PUT', `/Users/${id}`, renamed, ASYNC);
    const txn = reply.headers.get('set-txn');
    await handler.close();
    const read = await call('GET', `/Users/${id}`);
    const [completion] = await completions(handler);
    expect(completion).toMatchObject({
      type: 'asyncCompleted',
      changeId: txn,
      resourceType: 'User',
      resourceId: id,
      operation: 'replace',
      subjectUri: `/Users/${id}`,
      asyncResponse: {
        method: 'PUT',
        location: reply.headers.get('location'),
        version: read.headers.get('etag'),
        status: '200',
      },
    });
    expect(completion?.asyncResponse?.response).toBeUndefined();
  });

  it("E-SET-06: the write's own events share the Set-Txn with the completion, which comes after them", async () => {
    const { call, id, handler } = await withUser();
    const before = (await records(handler)).length;
    const txn = (await call('PUT', `/Users/${id}`, renamed, ASYNC)).headers.get('set-txn');
    await handler.close();
    const written = (await records(handler)).slice(before);
    expect(written.map((event) => event.type)).toEqual(['updated', 'asyncCompleted']);
    expect(written.map((event) => event.changeId)).toEqual([txn, txn]);
  });

  it('E-TYPE-10: an asynchronous POST records its bulkId-free completion: 201, the new Location and version', async () => {
    const { call, handler } = server({ asyncRequests: { mode: 'request' } });
    const reply = await call('POST', '/Users', bj, ASYNC);
    await handler.close();
    const location = reply.headers.get('location') ?? '';
    const id = location.slice(location.lastIndexOf('/') + 1);
    const [completion] = await completions(handler);
    expect(completion?.asyncResponse).toEqual({
      method: 'POST',
      location,
      version: (await call('GET', location)).headers.get('etag'),
      status: '201',
    });
    expect(completion?.subjectUri).toBe(`/Users/${id}`);
  });

  it('E-TYPE-10: a failed asynchronous POST records status and response with scimType, the status a string, and no location', async () => {
    const { call, handler } = await withUser();
    const reply = await call('POST', '/Users', bj, ASYNC);
    expect(reply.status).toBe(202);
    await handler.close();
    const [completion] = await completions(handler);
    expect(completion?.changeId).toBe(reply.headers.get('set-txn'));
    expect(completion?.asyncResponse).toMatchObject({
      method: 'POST',
      status: '409',
      response: { schemas: [ERR], scimType: 'uniqueness', status: '409' },
    });
    expect(completion?.asyncResponse?.location).toBeUndefined();
    // Nothing was created: the subject is the endpoint, and no event but the completion was recorded.
    expect(completion?.subjectUri).toBe('/Users');
    expect(
      (await records(handler)).filter((event) => event.changeId === completion?.changeId),
    ).toHaveLength(1);
  });

  it('E-TYPE-10: an asynchronous POST whose body breaks the schema records 400 invalidValue', async () => {
    const { call, handler } = server({ asyncRequests: { mode: 'request' } });
    expect((await call('POST', '/Users', { schemas: [U] }, ASYNC)).status).toBe(202);
    await handler.close();
    const [completion] = await completions(handler);
    expect(completion?.asyncResponse).toMatchObject({
      status: '400',
      response: { status: '400', scimType: 'invalidValue' },
    });
  });

  it('E-TYPE-10: a DELETE records status "204" and the deleted resource location', async () => {
    const { call, id, handler } = await withUser();
    await call('DELETE', `/Users/${id}`, undefined, ASYNC);
    await handler.close();
    const [completion] = await completions(handler);
    expect(completion?.asyncResponse).toMatchObject({ method: 'DELETE', status: '204' });
    expect(completion?.subjectUri).toBe(`/Users/${id}`);
  });
});

describe('E-ASYNC-06: an asynchronous bulk request records one completion per operation', () => {
  it('E-ASYNC-06: a 2-operation bulk records txns T:0 and T:1, its writes sharing them', async () => {
    const { call, handler } = server({ asyncRequests: { mode: 'request' } });
    const reply = await call(
      'POST',
      '/Bulk',
      {
        schemas: [BULK],
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'a', data: bj },
          { method: 'POST', path: '/Users', bulkId: 'b', data: { schemas: [U], userName: 'b' } },
        ],
      },
      ASYNC,
    );
    const txn = reply.headers.get('set-txn') ?? '';
    await handler.close();
    const done = await completions(handler);
    expect(done.map((event) => [event.changeId, event.asyncResponse?.bulkId])).toEqual([
      [`${txn}:0`, 'a'],
      [`${txn}:1`, 'b'],
    ]);
    const created = (await records(handler)).filter((event) => event.type === 'created');
    expect(created.map((event) => event.changeId)).toEqual([`${txn}:0`, `${txn}:1`]);
  });

  it('E-ASYNC-06: operations run out of order keep the index they had in the request', async () => {
    const { call, handler } = server({ asyncRequests: { mode: 'request' } });
    const reply = await call(
      'POST',
      '/Bulk',
      {
        schemas: [BULK],
        Operations: [
          // Refers to a user the next operation creates, so it runs second (P-BULK-14).
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'g',
            data: {
              schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
              displayName: 'G',
              members: [{ value: 'bulkId:u' }],
            },
          },
          { method: 'POST', path: '/Users', bulkId: 'u', data: bj },
        ],
      },
      ASYNC,
    );
    const txn = reply.headers.get('set-txn') ?? '';
    await handler.close();
    const done = await completions(handler);
    // Recorded in the order they ran, each with its place in the request.
    expect(done.map((event) => [event.changeId, event.asyncResponse?.bulkId])).toEqual([
      [`${txn}:1`, 'u'],
      [`${txn}:0`, 'g'],
    ]);
    expect(done.every((event) => event.asyncResponse?.status === '201')).toBe(true);
    expect(done[1]?.subjectUri).toMatch(/^\/Groups\/.+/);
  });

  it('E-ASYNC-06: malformed, failed and never-run operations get their completion too', async () => {
    const { call, handler } = server({ asyncRequests: { mode: 'request' } });
    const reply = await call(
      'POST',
      '/Bulk',
      {
        schemas: [BULK],
        failOnErrors: 2,
        Operations: [
          { method: 'GET', path: '/Users' },
          { method: 'DELETE', path: '/Users/nobody' },
          { method: 'POST', path: '/Users', bulkId: 'late', data: bj },
        ],
      },
      ASYNC,
    );
    const txn = reply.headers.get('set-txn') ?? '';
    await handler.close();
    const done = await completions(handler);
    expect(done.map((event) => [event.changeId, event.asyncResponse?.status])).toEqual([
      [`${txn}:0`, '400'],
      [`${txn}:1`, '404'],
      [`${txn}:2`, '424'],
    ]);
    expect(done[0]?.operation).toBe('bulk');
    expect(done[1]?.subjectUri).toBe('/Users/nobody');
    expect(done[2]?.asyncResponse).toMatchObject({ method: 'POST', bulkId: 'late' });
  });

  it('E-ASYNC-06: with a transaction, a failed operation rolls back the others, each recorded as failed', async () => {
    const { call, handler } = server({
      ...createMemoryStorage(),
      asyncRequests: { mode: 'request' },
    });
    const reply = await call(
      'POST',
      '/Bulk',
      {
        schemas: [BULK],
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'a', data: bj },
          { method: 'DELETE', path: '/Users/nobody' },
        ],
      },
      ASYNC,
    );
    const txn = reply.headers.get('set-txn') ?? '';
    await handler.close();
    const done = await completions(handler);
    expect(done.map((event) => [event.changeId, event.asyncResponse?.status])).toEqual([
      [`${txn}:0`, '424'],
      [`${txn}:1`, '404'],
    ]);
    expect((await records(handler)).some((event) => event.type === 'created')).toBe(false);
  });
});

describe('E-ASYNC-06: a bulk request whose transaction fails as a whole', () => {
  it('E-ASYNC-06: records a failed completion for every operation when the commit fails', async () => {
    const storage = createMemoryStorage();
    const { call, handler } = server({
      ...storage,
      // The storage gives up on the whole unit, after every operation succeeded in it.
      transaction: (work, context) =>
        storage.transaction(async (handle) => {
          await work(handle);
          throw new Error('serialization failure');
        }, context),
      onError: () => undefined,
      asyncRequests: { mode: 'request' },
    });
    const reply = await call(
      'POST',
      '/Bulk',
      {
        schemas: [BULK],
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'a', data: bj },
          { method: 'POST', path: '/Users', bulkId: 'b', data: { schemas: [U], userName: 'b' } },
        ],
      },
      ASYNC,
    );
    const txn = reply.headers.get('set-txn') ?? '';
    await handler.close();
    const done = await completions(handler);
    expect(
      done.map((event) => [
        event.changeId,
        event.asyncResponse?.method,
        event.asyncResponse?.status,
      ]),
    ).toEqual([
      [`${txn}:0`, 'POST', '500'],
      [`${txn}:1`, 'POST', '500'],
    ]);
    expect(done[1]?.subjectUri).toBe('/Users');
    expect(done[1]?.asyncResponse?.bulkId).toBe('b');
    expect(storage.stores.User?.size()).toBe(0);
  });
});

describe('completions, hooks and transactions', () => {
  it('E-TYPE-08: an asynchronous PATCH deactivation records deactivated once, and onDeactivate runs once', async () => {
    const deactivated: string[] = [];
    const seen: LifecycleEvent['type'][] = [];
    const { call, id, handler } = await withUser({
      hooks: {
        onDeactivate: ({ resourceId }) => void deactivated.push(resourceId),
        afterPatch: () => undefined,
        onEvent: ({ type }) => void seen.push(type),
      },
    });
    expect((await call('PATCH', `/Users/${id}`, deactivate, ASYNC)).status).toBe(202);
    await handler.close();
    const types = (await records(handler)).map((event) => event.type);
    expect(types.filter((type) => type === 'deactivated')).toHaveLength(1);
    expect(deactivated).toEqual([id]);
    // Typed hooks never hear of the completion; onEvent does, after the write's events.
    expect(seen).toEqual(['created', 'updated', 'deactivated', 'asyncCompleted']);
  });

  it('E-TYPE-10: the completion commits with the write: an outbox refusing it rolls the write back', async () => {
    const storage = createMemoryStorage();
    const refusing: ScimOutbox = {
      ...storage.outbox,
      list: (filter) => storage.outbox.list(filter),
      claim: (options) => storage.outbox.claim(options),
      complete: (eventId) => storage.outbox.complete(eventId),
      fail: (eventId, error, at) => storage.outbox.fail(eventId, error, at),
      retry: (eventId) => storage.outbox.retry(eventId),
      append: (events, leaseUntil, context) =>
        events.some((event) => event.type === 'asyncCompleted')
          ? Promise.reject(new Error('outbox full'))
          : storage.outbox.append(events, leaseUntil, context),
    };
    const errors: unknown[] = [];
    const { call, id, handler } = await withUser({
      ...storage,
      outbox: refusing,
      onError: (error) => void errors.push(error),
    });
    expect((await call('PUT', `/Users/${id}`, renamed, ASYNC)).status).toBe(202);
    await handler.close();
    expect((await call('GET', `/Users/${id}`)).body.displayName).toBe(bj.displayName);
    expect((await records(handler)).map((event) => event.type)).toEqual(['created']);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('E-TYPE-10: a PATCH through the membership path records its completion with the group', async () => {
    const { call, handler } = server({ asyncRequests: { mode: 'request' } });
    const user = (await call('POST', '/Users', bj)).body.id as string;
    const group = (
      await call('POST', '/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'G',
      })
    ).body.id as string;
    const add = {
      schemas: [PO],
      Operations: [{ op: 'add', path: 'members', value: [{ value: user }] }],
    };
    const txn = (await call('PATCH', `/Groups/${group}`, add, ASYNC)).headers.get('set-txn');
    await handler.close();
    const written = (await records(handler)).filter((event) => event.changeId === txn);
    expect(written.map((event) => event.type)).toEqual(['membersAdded', 'asyncCompleted']);
    expect(written[1]?.asyncResponse).toMatchObject({ method: 'PATCH', status: '204' });
  });
});
