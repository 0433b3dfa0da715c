// The provisioning event payloads (RFC 9967 §2.4), over records the server wrote.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  defineResourceType,
  defineSchema,
  GroupResourceType,
  PATCH_OP_URN,
  PROV_ACTIVATE_EVENT_URI,
  PROV_CREATE_FULL_EVENT_URI,
  PROV_CREATE_NOTICE_EVENT_URI,
  PROV_DEACTIVATE_EVENT_URI,
  PROV_DELETE_EVENT_URI,
  PROV_PATCH_FULL_EVENT_URI,
  PROV_PATCH_NOTICE_EVENT_URI,
  PROV_PUT_FULL_EVENT_URI,
  PROV_PUT_NOTICE_EVENT_URI,
  UserResourceType,
  UserSchema,
  type ScimResource,
} from '@scim/core';
import { toSetClaims, type SetClaims, type SetEventPayload } from '@scim/events';
import { applyPatch } from '@scim/patch';
import type { LifecycleEvent } from '@scim/server';
import { bj, buildOptions, G, patch, scimServer, U } from './helpers.js';

const NOTICE = buildOptions({ modes: { User: 'notice', Group: 'notice' } });
const FULL = buildOptions({ modes: { User: 'full', Group: 'full' } });

function setsOf(records: readonly LifecycleEvent[], options = FULL): SetClaims[] {
  return records.flatMap((record) => {
    const result = toSetClaims(record, options);
    if (!result.ok) throw new Error(result.issues.map((issue) => issue.message).join('; '));
    return result.value;
  });
}

function payload(sets: readonly SetClaims[], uri: string): SetEventPayload {
  const found = sets.filter((set) => Object.hasOwn(set.events, uri));
  expect(found).toHaveLength(1);
  return (found[0] as SetClaims).events[uri] as SetEventPayload;
}

async function userWith(call: ReturnType<typeof scimServer>['call']) {
  const created = await call('POST', '/Users', bj);
  return { id: created.body.id as string, created };
}

describe('create', () => {
  it('E-TYPE-03: create:full data is the resource as a response shows it, with its id and no password', async () => {
    const { call } = scimServer();
    const { id, created } = await userWith(call);
    const data = payload(setsOf(created.records), PROV_CREATE_FULL_EVENT_URI).data;
    expect(data).toEqual(created.body);
    expect(data?.id).toBe(id);
    expect(data).not.toHaveProperty('password');
  });

  it('E-TYPE-04: create:notice attributes list the attributes set, in PATCH path syntax, and no password', async () => {
    const { call } = scimServer();
    const { created } = await userWith(call);
    const { attributes } = payload(setsOf(created.records, NOTICE), PROV_CREATE_NOTICE_EVENT_URI);
    expect(attributes).toEqual(
      expect.arrayContaining(['id', 'userName', 'name', 'emails', 'externalId']),
    );
    expect(attributes).not.toContain('password');
    expect(attributes).not.toContain('meta');
    expect(attributes).not.toContain('schemas');
  });

  it('E-TYPE-04: an extension attribute is listed by its URN-qualified path', async () => {
    const { call } = scimServer();
    const EU = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
    const created = await call('POST', '/Users', {
      ...bj,
      schemas: [U, EU],
      [EU]: { employeeNumber: '701984' },
    });
    const { attributes } = payload(setsOf(created.records, NOTICE), PROV_CREATE_NOTICE_EVENT_URI);
    expect(attributes).toContain(`${EU}:employeeNumber`);
  });
});

describe('patch', () => {
  it('E-TYPE-05: patch:full data is a PatchOp message, and carries version', async () => {
    const { call } = scimServer();
    const { id } = await userWith(call);
    const patched = await call(
      'PATCH',
      `/Users/${id}`,
      patch({ op: 'replace', path: 'title', value: 'Lead' }),
    );
    const event = payload(setsOf(patched.records), PROV_PATCH_FULL_EVENT_URI);
    expect(event.data).toEqual({
      schemas: [PATCH_OP_URN],
      Operations: [{ op: 'replace', path: 'title', value: 'Lead' }],
    });
    expect(event.version).toBe(
      patched.body.meta && (patched.body.meta as { version: string }).version,
    );
  });

  it('E-TYPE-05: patch:notice attributes list the modified paths, and carry version', async () => {
    const { call } = scimServer();
    const { id } = await userWith(call);
    const patched = await call(
      'PATCH',
      `/Users/${id}`,
      patch(
        { op: 'replace', path: 'name.familyName', value: 'Jensen-Smith' },
        { op: 'add', path: 'emails', value: [{ value: 'b@example.org', type: 'other' }] },
      ),
    );
    const event = payload(setsOf(patched.records, NOTICE), PROV_PATCH_NOTICE_EVENT_URI);
    expect(event.attributes).toEqual(['name', 'emails']);
    expect(event.version).toBe(patched.etag);
  });

  it('E-TYPE-05: adding a group member is prov:patch with data [PatchOp] (full) or attributes ["members"] (notice)', async () => {
    const { call } = scimServer();
    const { id } = await userWith(call);
    const group = await call('POST', '/Groups', { schemas: [G], displayName: 'Tour Guides' });
    const added = await call(
      'PATCH',
      `/Groups/${group.body.id as string}`,
      patch({ op: 'add', path: 'members', value: [{ value: id }] }),
    );
    expect(payload(setsOf(added.records), PROV_PATCH_FULL_EVENT_URI).data).toEqual({
      schemas: [PATCH_OP_URN],
      Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }],
    });
    expect(payload(setsOf(added.records, NOTICE), PROV_PATCH_NOTICE_EVENT_URI).attributes).toEqual([
      'members',
    ]);
  });

  it("E-TYPE-05, E-SET-07: a member add carries the group's new version, the ETag the PATCH answered", async () => {
    const { call } = scimServer();
    const { id } = await userWith(call);
    const group = await call('POST', '/Groups', { schemas: [G], displayName: 'Tour Guides' });
    const added = await call(
      'PATCH',
      `/Groups/${group.body.id as string}?attributes=id`,
      patch({ op: 'add', path: 'members', value: [{ value: id }] }),
    );
    expect(added.etag).not.toBeNull();
    expect(payload(setsOf(added.records), PROV_PATCH_FULL_EVENT_URI).version).toBe(added.etag);
    expect(payload(setsOf(added.records, NOTICE), PROV_PATCH_NOTICE_EVENT_URI).version).toBe(
      added.etag,
    );
  });

  it('E-SET-06: a PATCH that renames a group and adds a member tells both under one txn', async () => {
    const { call } = scimServer();
    const { id } = await userWith(call);
    const group = await call('POST', '/Groups', { schemas: [G], displayName: 'Tour Guides' });
    const changed = await call(
      'PATCH',
      `/Groups/${group.body.id as string}`,
      patch(
        { op: 'replace', path: 'displayName', value: 'Guides' },
        { op: 'add', path: 'members', value: [{ value: id }] },
      ),
    );
    const sets = setsOf(changed.records);
    expect(sets.length).toBeGreaterThan(1);
    expect(new Set(sets.map((set) => set.txn)).size).toBe(1);
  });

  it('E-TYPE-05: a member leaving is a PatchOp removing that member value', async () => {
    const { call } = scimServer();
    const { id } = await userWith(call);
    const group = await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'Tour Guides',
      members: [{ value: id }],
    });
    const removed = await call(
      'PATCH',
      `/Groups/${group.body.id as string}`,
      patch({ op: 'remove', path: `members[value eq "${id}"]` }),
    );
    expect(payload(setsOf(removed.records), PROV_PATCH_FULL_EVENT_URI).data).toEqual({
      schemas: [PATCH_OP_URN],
      Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }],
    });
  });

  it('E-TYPE-05: the PatchOp of patch:full, applied to the resource before, gives the resource after', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          title: fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: undefined }),
          nickName: fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: undefined }),
          active: fc.option(fc.boolean(), { nil: undefined }),
          email: fc.option(fc.emailAddress(), { nil: undefined }),
          dropDisplayName: fc.boolean(),
        }),
        async (change) => {
          const { call } = scimServer();
          const { id } = await userWith(call);
          const operations: Record<string, unknown>[] = [];
          if (change.title !== undefined)
            operations.push({ op: 'replace', path: 'title', value: change.title });
          if (change.nickName !== undefined)
            operations.push({ op: 'add', path: 'nickName', value: change.nickName });
          if (change.active !== undefined)
            operations.push({ op: 'replace', path: 'active', value: change.active });
          if (change.email !== undefined)
            operations.push({
              op: 'add',
              path: 'emails',
              value: [{ value: change.email, type: 'other' }],
            });
          if (change.dropDisplayName) operations.push({ op: 'remove', path: 'displayName' });
          operations.push({ op: 'replace', path: 'password', value: 'n3w-Secret' });
          const { records } = await call('PATCH', `/Users/${id}`, patch(...operations));
          const updated = records.find((record) => record.type === 'updated');
          const sets = setsOf(records);
          const event = sets[0]?.events[PROV_PATCH_FULL_EVENT_URI];
          if (updated === undefined || event === undefined) {
            // Only the password changed (or nothing did): nothing a receiver may see.
            expect(sets).toEqual([]);
            return;
          }
          const { resource } = applyPatch(updated.previous as ScimResource, event.data, {
            resourceType: UserResourceType,
          });
          expect(withoutMeta(resource)).toEqual(withoutMeta(updated.resource as ScimResource));
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('put', () => {
  it('E-TYPE-06, D-24: put:full data is the final representation without returned-"never" attributes', async () => {
    const { call } = scimServer();
    const { id } = await userWith(call);
    const put = await call('PUT', `/Users/${id}`, { ...bj, title: 'Lead', password: 'n3w-Secret' });
    const data = payload(setsOf(put.records), PROV_PUT_FULL_EVENT_URI).data;
    expect(data).toEqual(put.body);
    expect(data).not.toHaveProperty('password');
  });

  it('E-TYPE-06: put:notice lists the modified attributes only', async () => {
    const { call } = scimServer();
    const { id } = await userWith(call);
    const { name: _name, ...withoutName } = bj;
    const put = await call('PUT', `/Users/${id}`, { ...withoutName, title: 'Lead' });
    expect(
      payload(setsOf(put.records, NOTICE), PROV_PUT_NOTICE_EVENT_URI).attributes?.toSorted(),
    ).toEqual(['name', 'title']);
  });

  it('E-SET-07: put:notice version is the ETag the PUT returned', async () => {
    const { call } = scimServer();
    const { id } = await userWith(call);
    const put = await call('PUT', `/Users/${id}`, { ...bj, title: 'Lead' });
    expect(put.etag).toMatch(/^W\/"/);
    expect(payload(setsOf(put.records, NOTICE), PROV_PUT_NOTICE_EVENT_URI).version).toBe(put.etag);
  });

  it('E-SET-07: create:full version is the ETag the POST returned', async () => {
    const { call } = scimServer();
    const { created } = await userWith(call);
    expect(payload(setsOf(created.records), PROV_CREATE_FULL_EVENT_URI).version).toBe(created.etag);
  });

  it('E-DELIV-08: groups default to notice events, users to full', async () => {
    const { call } = scimServer();
    const group = await call('POST', '/Groups', { schemas: [G], displayName: 'Tour Guides' });
    const put = await call('PUT', `/Groups/${group.body.id as string}`, {
      schemas: [G],
      displayName: 'Guides',
    });
    const options = buildOptions();
    expect(Object.keys(setsOf(put.records, options)[0]?.events ?? {})).toEqual([
      PROV_PUT_NOTICE_EVENT_URI,
    ]);
    const { created } = await userWith(call);
    expect(Object.keys(setsOf(created.records, options)[0]?.events ?? {})).toEqual([
      PROV_CREATE_FULL_EVENT_URI,
    ]);
  });
});

describe('full or notice', () => {
  it('E-TYPE-02: full events carry data and never attributes; notice events attributes and never data', async () => {
    const { call } = scimServer();
    const { id, created } = await userWith(call);
    const records = [
      ...created.records,
      ...(
        await call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'Lead' }))
      ).records,
      ...(await call('PUT', `/Users/${id}`, { ...bj, title: 'Guide' })).records,
    ];
    for (const [options, present, absent] of [
      [FULL, 'data', 'attributes'],
      [NOTICE, 'attributes', 'data'],
    ] as const) {
      const sets = setsOf(records, options);
      expect(sets).toHaveLength(3);
      for (const set of sets)
        for (const [uri, event] of Object.entries(set.events)) {
          expect(uri.endsWith(options === FULL ? ':full' : ':notice')).toBe(true);
          expect(event).toHaveProperty(present);
          expect(event).not.toHaveProperty(absent);
        }
    }
  });
});

describe('delete, activate, deactivate', () => {
  it('E-TYPE-07: DELETE is exactly one SET whose events are {prov:delete: {}}, and no feed:remove', async () => {
    const { call } = scimServer();
    const { id } = await userWith(call);
    const sets = setsOf((await call('DELETE', `/Users/${id}`)).records);
    expect(sets).toHaveLength(1);
    expect(sets[0]?.events).toEqual({ [PROV_DELETE_EVENT_URI]: {} });
  });

  it('E-TYPE-08: replacing active with false emits prov:deactivate with an empty payload', async () => {
    const { call } = scimServer();
    const { id } = await userWith(call);
    const sets = setsOf(
      (await call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: false })))
        .records,
    );
    expect(payload(sets, PROV_DEACTIVATE_EVENT_URI)).toEqual({});
    expect(sets.some((set) => Object.hasOwn(set.events, PROV_ACTIVATE_EVENT_URI))).toBe(false);
  });

  it('E-TYPE-08: active false → true emits prov:activate with an empty payload', async () => {
    const { call } = scimServer();
    const created = await call('POST', '/Users', { ...bj, active: false });
    const sets = setsOf(
      (
        await call(
          'PATCH',
          `/Users/${created.body.id as string}`,
          patch({ op: 'replace', path: 'active', value: true }),
        )
      ).records,
    );
    expect(payload(sets, PROV_ACTIVATE_EVENT_URI)).toEqual({});
  });

  it('E-TYPE-08: a change that leaves active as it was emits neither', async () => {
    const { call } = scimServer();
    const { id } = await userWith(call);
    const sets = setsOf(
      (await call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'Lead' })))
        .records,
    );
    for (const set of sets) {
      expect(set.events).not.toHaveProperty(PROV_ACTIVATE_EVENT_URI);
      expect(set.events).not.toHaveProperty(PROV_DEACTIVATE_EVENT_URI);
    }
  });
});

describe('returned "never"', () => {
  it('D-24: password, its hash and its name appear in no SET of any mode, for any write', async () => {
    const { call } = scimServer();
    const { id, created } = await userWith(call);
    const records = [
      ...created.records,
      ...(
        await call(
          'PATCH',
          `/Users/${id}`,
          patch(
            { op: 'replace', path: 'password', value: 'n3w-Secret' },
            { op: 'replace', path: 'title', value: 'x' },
          ),
        )
      ).records,
      ...(await call('PUT', `/Users/${id}`, { ...bj, password: 'an0ther-Secret' })).records,
      ...(await call('DELETE', `/Users/${id}`)).records,
    ];
    const text = JSON.stringify([...setsOf(records, FULL), ...setsOf(records, NOTICE)]);
    for (const secret of ['password', 't1meMa$heen', 'n3w-Secret', 'an0ther-Secret', 'test-hash'])
      expect(text).not.toContain(secret);
  });

  it('D-24: a change of the password alone publishes no provisioning event', async () => {
    const { call } = scimServer();
    const { id } = await userWith(call);
    const { records } = await call(
      'PATCH',
      `/Users/${id}`,
      patch({ op: 'replace', path: 'password', value: 'n3w-Secret' }),
    );
    expect(setsOf(records, FULL)).toEqual([]);
    expect(setsOf(records, NOTICE)).toEqual([]);
  });

  it('D-24: an attribute is left out because its schema says returned "never", whatever its name', () => {
    // Another outbox than the server's may keep such values; the schema decides, not the name.
    const PinSchema = defineSchema({
      id: 'urn:example:pins:2.0:User',
      name: 'Pins',
      attributes: [
        { name: 'pin', returned: 'never', mutability: 'writeOnly' },
        {
          name: 'badge',
          type: 'complex',
          subAttributes: [{ name: 'code', returned: 'never' }, { name: 'label' }],
        },
      ],
    });
    const PinUser = defineResourceType({
      name: 'User',
      endpoint: '/Users',
      schema: UserSchema,
      schemaExtensions: [{ schema: PinSchema, required: false }],
    });
    const PIN = 'urn:example:pins:2.0:User';
    const state = (pin: string, label: string): ScimResource => ({
      schemas: [U, PIN],
      id: 'u1',
      userName: 'bjensen',
      [PIN]: { pin, badge: { code: `code-${pin}`, label } },
      meta: { resourceType: 'User', version: `W/"${label}"` },
    });
    const record = (
      type: 'created' | 'updated',
      operation: 'create' | 'patch' | 'replace',
    ): LifecycleEvent => ({
      id: 'e1',
      type,
      resourceType: 'User',
      resourceId: 'u1',
      operation,
      tenant: undefined,
      principal: 'test',
      occurredAt: '2026-12-03T10:00:00.000Z',
      requestId: 'r1',
      resource: state('4321', 'after'),
      ...(type === 'updated' && { previous: state('1234', 'before') }),
      ...(operation === 'patch' && {
        changes: [
          { path: `${PIN}:pin`, kind: 'set', value: '4321' },
          { path: `${PIN}:badge`, kind: 'set', value: { code: 'code-4321', label: 'after' } },
        ],
      }),
    });
    const sets = [
      record('created', 'create'),
      record('updated', 'patch'),
      record('updated', 'replace'),
    ].flatMap((event) =>
      [FULL, NOTICE].flatMap((options) => {
        const result = toSetClaims(event, {
          ...options,
          resourceTypes: [PinUser, GroupResourceType],
        });
        return result.ok ? result.value : [];
      }),
    );
    expect(sets).toHaveLength(6);
    const text = JSON.stringify(sets);
    expect(text).not.toContain('4321');
    expect(text).not.toContain('1234');
    expect(text).not.toMatch(/:pin"/);
    expect(text).toContain('after');
  });
});

function withoutMeta(resource: ScimResource): Record<string, unknown> {
  const { meta: _meta, ...data } = resource;
  return data;
}
