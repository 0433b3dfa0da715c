// Costs that must not grow with the size of a group (issue 12): what the handler asks of the group
// store when it reads a member of a 10,000-member group, or adds and removes one member.
import { beforeAll, describe, expect, it } from 'vitest';
import type { ScimStore } from '@scim/server';
import { UserResourceType } from '@scim/core';
import { createMemoryStorage } from '@scim/server/memory';
import { G, PO, server, U } from './helpers.js';

/** A store that records the name of every method called on it, optional ones included. */
function recorded(inner: ScimStore, calls: string[]): ScimStore {
  const record =
    <A extends unknown[], R>(name: string, method: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      calls.push(name);
      return method(...args);
    };
  return {
    get: record('get', inner.get.bind(inner)),
    query: record('query', inner.query.bind(inner)),
    create: record('create', inner.create.bind(inner)),
    replace: record('replace', inner.replace.bind(inner)),
    delete: record('delete', inner.delete.bind(inner)),
    ...(inner.modifyMembers === undefined
      ? {}
      : { modifyMembers: record('modifyMembers', inner.modifyMembers.bind(inner)) }),
    ...(inner.groupsOf === undefined
      ? {}
      : { groupsOf: record('groupsOf', inner.groupsOf.bind(inner)) }),
    ...(inner.existing === undefined
      ? {}
      : { existing: record('existing', inner.existing.bind(inner)) }),
  };
}

const SIZE = 10_000;

describe('a 10,000-member group costs its members nothing (issue 12)', () => {
  const groupCalls: string[] = [];
  const userCalls: string[] = [];
  let call: ReturnType<typeof server>['call'];
  let group: string;
  let member: string;
  let outsider: string;
  let ids: string[];

  beforeAll(async () => {
    const storage = createMemoryStorage();
    const users = storage.stores.User as ScimStore;
    const groups = recorded(storage.stores.Group as ScimStore, groupCalls);
    ({ call } = server({
      ...storage,
      stores: { User: recorded(users, userCalls), Group: groups },
    }));
    ids = [];
    // Seeded straight into the store: the handler's own create path is not what is measured here.
    const context = {
      resourceType: UserResourceType,
      principal: undefined,
      tenant: undefined,
      signal: new AbortController().signal,
    };
    for (let i = 0; i < SIZE; i++) {
      const id = `u${i}`;
      await users.create(
        {
          schemas: [U],
          id,
          userName: `user${i}`,
          meta: { resourceType: 'User', version: 'W/"1"' },
        },
        context,
      );
      ids.push(id);
    }
    member = ids[0] as string;
    outsider = (await call('POST', '/Users', { schemas: [U], userName: 'outsider' })).body
      .id as string;
    const created = await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'Everyone',
      members: ids.map((value) => ({ value })),
    });
    expect(created.status).toBe(201);
    group = created.body.id as string;
  }, 60_000);

  it("S-CHAR-36: a group's 10,000 new members are checked in one existing call, not a get each", async () => {
    userCalls.length = 0;
    const created = await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'Everyone again',
      members: ids.map((value) => ({ value })),
    });
    expect(created.status).toBe(201);
    expect(userCalls).toEqual(['existing']);
    userCalls.length = 0;
    const missing = await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'Everyone and a stranger',
      members: [...ids.slice(0, 5_000), { value: 'stranger' }, ...ids.slice(5_000)].map((member) =>
        typeof member === 'string' ? { value: member } : member,
      ),
    });
    expect(missing.status).toBe(400);
    expect(missing.body.detail).toBe('Member stranger does not exist');
    expect(userCalls.filter((name) => name === 'get')).toEqual([]);
    // The tests below count this user's groups: one.
    expect((await call('DELETE', `/Groups/${created.body.id as string}`)).status).toBe(204);
  });

  it("reading a member lists the group in its groups from groupsOf alone, never reading the group's members", async () => {
    groupCalls.length = 0;
    const reply = await call('GET', `/Users/${member}`);
    expect(reply.status).toBe(200);
    expect(reply.body.groups).toEqual([
      expect.objectContaining({ value: group, display: 'Everyone', type: 'direct' }),
    ]);
    // One lookup per level of nesting: this group belongs to no other, so the second finds nothing.
    expect(groupCalls.every((name) => name === 'groupsOf')).toBe(true);
  });

  it('adding and removing one member goes to modifyMembers: the group is neither read nor replaced, and the answer is 204 without a body', async () => {
    for (const op of ['add', 'remove']) {
      groupCalls.length = 0;
      const reply = await call('PATCH', `/Groups/${group}`, {
        schemas: [PO],
        Operations: [{ op, path: 'members', value: [{ value: outsider }] }],
      });
      expect(reply.status).toBe(204);
      expect(reply.text).toBe('');
      expect(reply.headers.get('etag')).toMatch(/^W\/"/);
      expect(groupCalls).toEqual(['modifyMembers']);
    }
  });

  it("Entra's remove by filter and Okta's remove-then-add go to modifyMembers too", async () => {
    groupCalls.length = 0;
    const remove = await call('PATCH', `/Groups/${group}`, {
      schemas: [PO],
      Operations: [{ op: 'Remove', path: `members[value eq "${member}"]` }],
    });
    expect(remove.status).toBe(204);
    const readd = await call('PATCH', `/Groups/${group}`, {
      schemas: [PO],
      Operations: [
        { op: 'remove', path: `members[value eq "${member}"]` },
        { op: 'add', path: 'members', value: [{ value: member }] },
      ],
    });
    expect(readd.status).toBe(204);
    expect(groupCalls).toEqual(['modifyMembers', 'modifyMembers']);
    expect((await call('GET', `/Users/${member}`)).body.groups).toHaveLength(1);
  });

  it('a member PATCH still answers with the group when the client asks for attributes', async () => {
    const reply = await call('PATCH', `/Groups/${group}?attributes=displayName`, {
      schemas: [PO],
      Operations: [{ op: 'add', path: 'members', value: [{ value: outsider }] }],
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ id: group, displayName: 'Everyone' });
    expect(reply.body.members).toBeUndefined();
  });
});
