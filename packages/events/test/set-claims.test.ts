// toSetClaims over records the server wrote: the common claims of every SET (RFC 9967 §2.1, §2.2).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  PROV_CREATE_FULL_EVENT_URI,
  PROV_DEACTIVATE_EVENT_URI,
  PROV_PATCH_FULL_EVENT_URI,
} from '@scim/core';
import { toSetClaims, type SetClaims } from '@scim/events';
import type { LifecycleEvent } from '@scim/server';
import { bj, buildOptions, G, ISSUER, patch, recordOf, scimServer, U } from './helpers.js';

function claimsOf(record: LifecycleEvent, options = buildOptions()): readonly SetClaims[] {
  const result = toSetClaims(record, options);
  if (!result.ok) throw new Error(result.issues.map((issue) => issue.message).join('; '));
  return result.value;
}

function only(sets: readonly SetClaims[]): SetClaims {
  expect(sets).toHaveLength(1);
  return sets[0] as SetClaims;
}

describe('common claims', () => {
  it('E-SET-01: a SET has iss, a numeric iat, a jti and events mapping one event URI to an object', async () => {
    const { call } = scimServer();
    const { records } = await call('POST', '/Users', bj);
    const set = only(claimsOf(recordOf(records, 'created')));
    expect(set.iss).toBe(ISSUER);
    expect(set.iat).toBe(Date.parse('2026-12-03T10:00:00.000Z') / 1000);
    expect(set.jti).toBe('jti-1');
    expect(Object.keys(set.events)).toEqual([PROV_CREATE_FULL_EVENT_URI]);
    expect(typeof set.events[PROV_CREATE_FULL_EVENT_URI]).toBe('object');
  });

  it('E-SET-01: aud is optional: present when the stream has an audience, absent otherwise', async () => {
    const { call } = scimServer();
    const record = recordOf((await call('POST', '/Users', bj)).records, 'created');
    expect(only(claimsOf(record))).not.toHaveProperty('aud');
    const aud = 'https://receiver.example.com/Feeds/98d52461';
    expect(only(claimsOf(record, buildOptions({ audience: aud }))).aud).toBe(aud);
  });

  it('E-SET-01: jti is unique per SET, from crypto.randomUUID by default', async () => {
    const { call } = scimServer();
    const record = recordOf((await call('POST', '/Users', bj)).records, 'created');
    const options = { issuer: ISSUER, resourceTypes: buildOptions().resourceTypes };
    const jtis = new Set(Array.from({ length: 50 }, () => only(claimsOf(record, options)).jti));
    expect(jtis.size).toBe(50);
  });

  it('E-SET-01: the issuer may depend on the tenant of the record', async () => {
    const { call } = scimServer();
    const record = recordOf((await call('POST', '/Users', bj)).records, 'created');
    const set = only(
      claimsOf(
        record,
        buildOptions({ issuer: (tenant) => `https://${tenant ?? 'default'}.example.com` }),
      ),
    );
    expect(set.iss).toBe('https://default.example.com');
  });

  it('E-SET-03: sub_id is top-level {format:"scim", uri:"/Users/{id}", externalId}', async () => {
    const { call } = scimServer();
    const created = await call('POST', '/Users', bj);
    const set = only(claimsOf(recordOf(created.records, 'created')));
    expect(set.sub_id).toEqual({
      format: 'scim',
      uri: `/Users/${created.body.id as string}`,
      externalId: '701984',
    });
  });

  it('E-SET-03: sub_id uri percent-encodes an id that is not a plain path segment (RFC 3986 §3.3)', async () => {
    const { call } = scimServer();
    const record = recordOf((await call('POST', '/Users', bj)).records, 'created');
    const uriOf = (resourceId: string) => only(claimsOf({ ...record, resourceId })).sub_id['uri'];
    expect(uriOf("a b/ü'(1)*!")).toBe(`/Users/${encodeURIComponent("a b/ü'(1)*!")}`);
    expect(uriOf('A_z-0.9~')).toBe('/Users/A_z-0.9~');
  });

  it('E-SET-03: sub_id has no externalId when the resource has none', async () => {
    const { call } = scimServer();
    const created = await call('POST', '/Groups', { schemas: [G], displayName: 'Tour Guides' });
    const set = only(claimsOf(recordOf(created.records, 'created')));
    expect(set.sub_id).toEqual({ format: 'scim', uri: `/Groups/${created.body.id as string}` });
  });

  it('E-SET-04: no SET has a sub claim, and no event payload has a sub_id', async () => {
    const { call } = scimServer();
    const user = await call('POST', '/Users', bj);
    const id = user.body.id as string;
    const group = await call('POST', '/Groups', { schemas: [G], displayName: 'Tour Guides' });
    const records = [
      ...user.records,
      ...group.records,
      ...(
        await call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: false }))
      ).records,
      ...(await call('PUT', `/Users/${id}`, { ...bj, title: 'Guide' })).records,
      ...(
        await call(
          'PATCH',
          `/Groups/${group.body.id as string}`,
          patch({ op: 'add', path: 'members', value: [{ value: id }] }),
        )
      ).records,
      ...(await call('DELETE', `/Users/${id}`)).records,
    ];
    const sets = records.flatMap((record) => [
      ...claimsOf(record),
      ...claimsOf(record, buildOptions({ modes: { User: 'notice', Group: 'full' } })),
    ]);
    expect(sets.length).toBeGreaterThan(8);
    for (const set of sets) {
      expect(set).not.toHaveProperty('sub');
      expect(set.sub_id).toBeDefined();
      for (const payload of Object.values(set.events)) expect(payload).not.toHaveProperty('sub_id');
    }
  });

  it('E-SET-05: a PATCH deactivating a user is one SET holding prov:patch and prov:deactivate', async () => {
    const { call } = scimServer();
    const id = (await call('POST', '/Users', bj)).body.id as string;
    const { records } = await call(
      'PATCH',
      `/Users/${id}`,
      patch({ op: 'replace', path: 'active', value: false }),
    );
    const sets = records.flatMap((record) => claimsOf(record));
    expect(sets).toHaveLength(1);
    expect(Object.keys(only(sets).events).sort()).toEqual(
      [PROV_DEACTIVATE_EVENT_URI, PROV_PATCH_FULL_EVENT_URI].sort(),
    );
  });

  it('E-SET-05: the deactivated record tells nothing of its own (its updated record carries it)', async () => {
    const { call } = scimServer();
    const id = (await call('POST', '/Users', bj)).body.id as string;
    const { records } = await call(
      'PATCH',
      `/Users/${id}`,
      patch({ op: 'replace', path: 'active', value: false }),
    );
    expect(toSetClaims(recordOf(records, 'deactivated'), buildOptions())).toEqual({
      ok: true,
      value: [],
    });
  });

  it('E-SET-06: one change sent to two feeds gives two SETs with the same txn and different jti', async () => {
    const { call } = scimServer();
    const record = recordOf((await call('POST', '/Users', bj)).records, 'created');
    const options = buildOptions();
    const first = only(claimsOf(record, { ...options, audience: 'https://a.example.com' }));
    const second = only(claimsOf(record, { ...options, audience: 'https://b.example.com' }));
    expect(first.txn).toBe(second.txn);
    expect(first.jti).not.toBe(second.jti);
  });

  it('E-SET-06: txn derives from the change: the outbox record id, so a rebuilt SET carries the same txn', async () => {
    const { call } = scimServer();
    const record = recordOf((await call('POST', '/Users', bj)).records, 'created');
    expect(only(claimsOf(record)).txn).toBe(record.id);
    expect(only(claimsOf(structuredClone(record))).txn).toBe(record.id);
  });

  it('E-SET-06: two changes have different txn values', async () => {
    const { call } = scimServer();
    const a = recordOf((await call('POST', '/Users', bj)).records, 'created');
    const b = recordOf(
      (await call('POST', '/Users', { ...bj, userName: 'other', externalId: 'x' })).records,
      'created',
    );
    expect(only(claimsOf(a)).txn).not.toBe(only(claimsOf(b)).txn);
  });

  it('toe is the time the change committed (RFC 8417 §2.2)', async () => {
    const { call } = scimServer();
    const record = recordOf((await call('POST', '/Users', bj)).records, 'created');
    expect(only(claimsOf(record)).toe).toBe(Date.parse(record.occurredAt) / 1000);
  });

  it('toe keeps the milliseconds as a fraction (a NumericDate may have one, RFC 7519 §2), so a receiver can order two changes of one second', async () => {
    const { call } = scimServer();
    const record = recordOf((await call('POST', '/Users', bj)).records, 'created');
    const toe = only(claimsOf({ ...record, occurredAt: '2026-12-03T10:00:00.250Z' })).toe;
    expect(toe).toBe(Date.parse('2026-12-03T10:00:00.000Z') / 1000 + 0.25);
    // Read back as a receiver does: to the millisecond.
    expect(Math.round((toe ?? 0) * 1000)).toBe(Date.parse('2026-12-03T10:00:00.250Z'));
  });

  it('a record of a resource type the options do not list is an issue, not a throw', async () => {
    const { call } = scimServer();
    const record = recordOf((await call('POST', '/Users', bj)).records, 'created');
    const result = toSetClaims(record, buildOptions({ resourceTypes: [] }));
    expect(result).toEqual({
      ok: false,
      issues: [expect.objectContaining({ code: 'unknown_resource_type', eventId: record.id })],
    });
  });

  it('a record without the state its type always holds is a missing_state issue', async () => {
    const { call } = scimServer();
    const record = recordOf((await call('POST', '/Users', bj)).records, 'created');
    const { resource: _resource, ...stripped } = record;
    const result = toSetClaims(stripped, buildOptions());
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]?.code).toBe('missing_state');
  });

  it('a record whose resource has no schemas is a missing_state issue, not a throw', async () => {
    const { call } = scimServer();
    const record = recordOf((await call('POST', '/Users', bj)).records, 'created');
    const { schemas: _schemas, ...resource } = record.resource ?? {};
    const result = toSetClaims({ ...record, resource } as LifecycleEvent, buildOptions());
    expect(result).toEqual({
      ok: false,
      issues: [expect.objectContaining({ code: 'missing_state', eventId: record.id })],
    });
  });
});

describe('records of any shape', () => {
  const json = fc.jsonValue({ maxDepth: 3 });
  const E = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
  /** A resource that is anything, or shaped like a user or group with values of any type. */
  const resource = fc.oneof(
    json,
    fc.record(
      {
        schemas: fc.oneof(fc.constant([U]), fc.constant([G]), json),
        id: json,
        externalId: json,
        userName: json,
        displayName: json,
        name: json,
        active: json,
        emails: json,
        members: json,
        meta: json,
        [E]: json,
      },
      { requiredKeys: [] },
    ),
  );
  const change = fc.record(
    {
      path: fc.oneof(
        fc.constantFrom('userName', 'active', 'name.givenName', 'emails', 'members', E),
        fc.string(),
        json,
      ),
      kind: fc.oneof(fc.constantFrom('set', 'cleared', 'values'), json),
      value: json,
      added: json,
      removed: json,
    },
    { requiredKeys: [] },
  );
  const record = fc.oneof(
    json,
    fc.record(
      {
        id: fc.oneof(fc.string(), json),
        changeId: json,
        type: fc.oneof(
          fc.constantFrom(
            'created',
            'updated',
            'deactivated',
            'reactivated',
            'deleted',
            'membersAdded',
            'membersRemoved',
          ),
          json,
        ),
        resourceType: fc.oneof(fc.constantFrom('User', 'Group'), json),
        resourceId: fc.oneof(fc.string(), json),
        operation: fc.oneof(fc.constantFrom('create', 'replace', 'patch', 'delete'), json),
        tenant: json,
        principal: json,
        occurredAt: fc.oneof(fc.constant('2026-12-03T10:00:00.000Z'), json),
        requestId: json,
        resource,
        previous: resource,
        changes: fc.oneof(fc.array(change, { maxLength: 4 }), json),
        members: fc.oneof(fc.array(fc.string(), { maxLength: 3 }), json),
        version: json,
      },
      { requiredKeys: [] },
    ),
  );

  /** A user record as the server writes it but for the values, which are of any type. */
  const userState = fc.record(
    {
      schemas: fc.constant([U]),
      userName: json,
      name: json,
      emails: json,
      active: json,
      meta: json,
    },
    { requiredKeys: ['schemas'] },
  );
  const userRecord = fc.record({
    id: fc.string(),
    type: fc.constantFrom('created', 'updated', 'deleted'),
    resourceType: fc.constant('User'),
    resourceId: fc.string(),
    operation: fc.constantFrom('create', 'replace', 'patch'),
    occurredAt: fc.constant('2026-12-03T10:00:00.000Z'),
    resource: userState,
    previous: userState,
    changes: fc.array(change, { maxLength: 3 }),
  });

  // toSetClaims writes every planned SET's claims, as the memory queue does when it hands one out:
  // so the claims a write leaves to be written later cannot throw either.
  it('toSetClaims never throws, in either mode and with RISC: it gives SETs or issues', () => {
    fc.assert(
      fc.property(
        fc.oneof(record, userRecord),
        fc.constantFrom('full', 'notice'),
        (event, mode) => {
          const options = buildOptions({ modes: { User: mode, Group: mode }, risc: true });
          const result = toSetClaims(event as unknown as LifecycleEvent, options);
          expect(result.ok ? Array.isArray(result.value) : result.issues.length).toBeTruthy();
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
