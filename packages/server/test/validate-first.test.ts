// Issue 11, "Requests are fully validated before anything is written": every query parameter, header
// and body check happens before the first store call, so a refused request leaves the store as it
// was and fires no hook. A client that sees a 400 and retries must not then meet a 409.
import { describe, expect, it } from 'vitest';
import type { HookEvent, ScimHandlerOptions } from '@scim/server';
import { EU, G, PO, SR, U, bj, expectError, server } from './helpers.js';
import { createRecordingStore } from './fixtures/recording-store.js';

const BR = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

async function setUp(options: Partial<ScimHandlerOptions> = {}) {
  const users = createRecordingStore();
  const groups = createRecordingStore();
  const hooks: string[] = [];
  const hook = (name: string) => (event: HookEvent) =>
    void hooks.push(`${name}:${String(event.resource.id)}`);
  const { call } = server({
    stores: { User: users, Group: groups },
    hooks: {
      afterCreate: hook('create'),
      afterReplace: hook('replace'),
      afterPatch: hook('patch'),
      afterDelete: hook('delete'),
      onDeactivate: hook('deactivate'),
    },
    ...options,
  });
  const id = (await call('POST', '/Users', bj)).body.id as string;
  const groupId = (await call('POST', '/Groups', { schemas: [G], displayName: 'Tour' })).body
    .id as string;
  users.calls.length = 0;
  groups.calls.length = 0;
  hooks.length = 0;
  const snapshot = async () =>
    JSON.stringify([
      (await call('GET', `/Users/${id}`)).body,
      (await call('GET', `/Groups/${groupId}`)).body,
      (await call('GET', '/Users')).body.totalResults,
    ]);
  return { call, users, groups, hooks, id, groupId, snapshot };
}

type Call = Awaited<ReturnType<typeof setUp>>['call'];
type Case = readonly [
  name: string,
  send: (call: Call, id: string) => ReturnType<Call>,
  status: number,
  scimType: string | undefined,
];

const replaceBody = { schemas: [U], userName: 'bjensen', active: true };

// Refused on what the request itself says: not even a read may happen first.
const refusedBeforeAnyStoreCall: readonly Case[] = [
  [
    'POST with both attributes and excludedAttributes (RFC 7644 §3.4.2.5)',
    (call) =>
      call('POST', '/Users?attributes=userName&excludedAttributes=emails', {
        ...bj,
        userName: 'x',
      }),
    400,
    'invalidValue',
  ],
  [
    'PUT with both attributes and excludedAttributes',
    (call, id) =>
      call('PUT', `/Users/${id}?attributes=userName&excludedAttributes=emails`, replaceBody),
    400,
    'invalidValue',
  ],
  [
    'PATCH naming an attribute the resource type does not have',
    (call, id) =>
      call('PATCH', `/Users/${id}`, {
        schemas: [PO],
        Operations: [{ op: 'replace', path: 'name.nickname.first', value: 'x' }],
      }),
    400,
    'invalidPath',
  ],
  [
    'PATCH with both attributes and excludedAttributes',
    (call, id) =>
      call('PATCH', `/Users/${id}?attributes=userName&excludedAttributes=emails`, {
        schemas: [PO],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      }),
    400,
    'invalidValue',
  ],
  [
    'GET by id with both attributes and excludedAttributes',
    (call, id) => call('GET', `/Users/${id}?attributes=userName&excludedAttributes=emails`),
    400,
    'invalidValue',
  ],
  [
    'POST with a Content-Type that is not JSON (RFC 7644 §3.1: 415)',
    (call) => call('POST', '/Users', JSON.stringify(bj), { 'content-type': 'text/plain' }),
    415,
    undefined,
  ],
  [
    'POST with malformed JSON (RFC 7644 §3.12)',
    (call) => call('POST', '/Users', '{"schemas":'),
    400,
    'invalidSyntax',
  ],
  [
    'POST without the required userName (RFC 7643 §4.1.1)',
    (call) => call('POST', '/Users', { schemas: [U], displayName: 'No Name' }),
    400,
    'invalidValue',
  ],
  [
    'POST nested 100 levels deep',
    (call) => {
      let deep: unknown = 'x';
      for (let i = 0; i < 100; i++) deep = { a: deep };
      return call('POST', '/Users', { ...bj, userName: 'deep', nickName: deep });
    },
    400,
    'invalidSyntax',
  ],
  [
    'PUT without the required userName',
    (call, id) => call('PUT', `/Users/${id}`, { schemas: [U], displayName: 'No Name' }),
    400,
    'invalidValue',
  ],
  [
    'PUT with a wrongly typed value',
    (call, id) => call('PUT', `/Users/${id}`, { ...replaceBody, active: 'maybe' }),
    400,
    'invalidValue',
  ],
  [
    'GET list with a malformed filter',
    (call) => call('GET', '/Users?filter=userName%20eq'),
    400,
    'invalidFilter',
  ],
  [
    'GET list with a non-integer count',
    (call) => call('GET', '/Users?count=ten'),
    400,
    'invalidValue',
  ],
  [
    'GET list with an unknown sortOrder',
    (call) => call('GET', '/Users?sortBy=userName&sortOrder=up'),
    400,
    'invalidValue',
  ],
  [
    'POST .search without the SearchRequest schema',
    (call) => call('POST', '/Users/.search', { filter: 'userName pr' }),
    400,
    'invalidSyntax',
  ],
  [
    'POST .search with a wrongly typed count',
    (call) => call('POST', '/.search', { schemas: [SR], count: 'many' }),
    400,
    'invalidValue',
  ],
];

describe('validated before written (issue 11)', () => {
  for (const [name, send, status, scimType] of refusedBeforeAnyStoreCall) {
    it(`${name}: refused before any store call, nothing stored, no hook`, async () => {
      const { call, users, groups, hooks, id, snapshot } = await setUp();
      const before = await snapshot();
      users.calls.length = 0;
      groups.calls.length = 0;
      expectError(await send(call, id), status, scimType);
      expect([...users.calls, ...groups.calls]).toEqual([]);
      expect(hooks).toEqual([]);
      expect(await snapshot()).toBe(before);
    });
  }

  it('requireIfMatch: PUT, PATCH and DELETE without If-Match are 428 before any store call (RFC 6585 §3)', async () => {
    const { call, users, hooks, id, snapshot } = await setUp({ requireIfMatch: true });
    const before = await snapshot();
    users.calls.length = 0;
    expectError(await call('PUT', `/Users/${id}`, replaceBody), 428);
    expectError(
      await call('PATCH', `/Users/${id}`, {
        schemas: [PO],
        Operations: [{ op: 'remove', path: 'active' }],
      }),
      428,
    );
    expectError(await call('DELETE', `/Users/${id}`), 428);
    expect(users.calls).toEqual([]);
    expect(hooks).toEqual([]);
    expect(await snapshot()).toBe(before);
  });

  // Refused on what the stored resource says: reads are allowed first, writes and hooks are not.
  const refusedBeforeAnyWrite: readonly Case[] = [
    [
      'PATCH whose second operation is invalid: the first is not applied either',
      (call, id) =>
        call('PATCH', `/Users/${id}`, {
          schemas: [PO],
          Operations: [
            { op: 'replace', path: 'active', value: false },
            { op: 'replace', path: 'userName', value: 42 },
          ],
        }),
      400,
      'invalidValue',
    ],
    [
      'PUT with a stale If-Match (RFC 7644 §3.14)',
      (call, id) => call('PUT', `/Users/${id}`, replaceBody, { 'if-match': 'W/"stale"' }),
      412,
      undefined,
    ],
    [
      'PUT naming a manager that does not exist (RFC 7643 §4.3)',
      (call, id) =>
        call('PUT', `/Users/${id}`, { ...replaceBody, [EU]: { manager: { value: 'nobody' } } }),
      400,
      'invalidValue',
    ],
  ];
  for (const [name, send, status, scimType] of refusedBeforeAnyWrite) {
    it(`${name}: nothing stored, no hook`, async () => {
      const { call, users, groups, hooks, id, snapshot } = await setUp();
      const before = await snapshot();
      users.calls.length = 0;
      groups.calls.length = 0;
      const reply = await send(call, id);
      expectError(reply, status, scimType);
      expect(users.writes() + groups.writes()).toBe(0);
      expect(hooks).toEqual([]);
      expect(await snapshot()).toBe(before);
    });
  }

  it('a bulk operation with a refused query parameter writes nothing and fires no hook (RFC 7644 §3.7)', async () => {
    const { call, users, hooks, snapshot } = await setUp();
    const before = await snapshot();
    users.calls.length = 0;
    const reply = await call('POST', '/Bulk', {
      schemas: [BR],
      Operations: [
        {
          method: 'POST',
          path: '/Users?attributes=userName&excludedAttributes=emails',
          bulkId: 'a',
          data: { ...bj, userName: 'bulk-a' },
        },
        { method: 'POST', path: '/Users', bulkId: 'b', data: { schemas: [U] } },
      ],
    });
    expect(reply.status).toBe(200);
    const statuses = (reply.body.Operations as { status: string }[]).map((o) => o.status);
    expect(statuses).toEqual(['400', '400']);
    expect(users.writes()).toBe(0);
    expect(hooks).toEqual([]);
    expect(await snapshot()).toBe(before);
  });
});
