// Issue 12, performance: a read fills in a user's computed `groups` (RFC 7643 §4.1.2) on a copy made
// for speed. The copy must answer exactly what the stored resource and its memberships say.
import { describe, expect, it } from 'vitest';
import type { ScimResource } from '@scim/core';
import type { ScimStore } from '@scim/server';
import { createMemoryStore } from '@scim/server/memory';
import { G, U, bj, server } from './helpers.js';

/** A User store whose reads answer with `decorate` applied to the stored resource. */
function decorated(decorate: (resource: ScimResource) => ScimResource): ScimStore {
  const users = createMemoryStore();
  return {
    ...users,
    get: async (id, context) => {
      const found = await users.get(id, context);
      return found === undefined ? undefined : decorate(found);
    },
  };
}

describe('groups on a read come from memberships only (RFC 7643 §4.1.2, issue 12)', () => {
  it('a stored own "__proto__" key cannot lend the response attributes', async () => {
    // JSON.parse makes "__proto__" an own key; copying it by assignment would set the prototype.
    const planted = decorated((resource) => ({
      ...resource,
      ...(JSON.parse('{"__proto__": {"title": "planted"}}') as ScimResource),
    }));
    const { call } = server({ stores: { User: planted, Group: createMemoryStore() } });
    const user = await call('POST', '/Users', { schemas: [U], userName: 'untitled' });
    await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'Staff',
      members: [{ value: user.body.id }],
    });
    const read = await call('GET', `/Users/${String(user.body.id)}`);
    expect(read.status).toBe(200);
    expect(read.body.title).toBeUndefined();
    expect(read.body.groups).toEqual([expect.objectContaining({ display: 'Staff' })]);
  });

  it('stored groups give way to the computed ones, and to none for a user in no group', async () => {
    const stale = decorated((resource) => ({ ...resource, groups: [{ value: 'stale' }] }));
    const { call } = server({ stores: { User: stale, Group: createMemoryStore() } });
    const member = await call('POST', '/Users', bj);
    const loner = await call('POST', '/Users', { ...bj, userName: 'loner' });
    const group = await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'Staff',
      members: [{ value: member.body.id }],
    });
    const read = await call('GET', `/Users/${String(member.body.id)}`);
    expect(read.body.groups).toEqual([
      expect.objectContaining({ value: group.body.id, display: 'Staff', type: 'direct' }),
    ]);
    expect((await call('GET', `/Users/${String(loner.body.id)}`)).body.groups).toBeUndefined();
  });
});
