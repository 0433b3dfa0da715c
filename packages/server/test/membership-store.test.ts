import { describe, expect, it } from 'vitest';
import { GroupResourceType, type ScimResource } from '@scim/core';
import { createMemoryStore, type MemoryStore } from '@scim/server/memory';
import { MEMBER_WORK } from '../src/lib/memory/memory-store.js';
import { G } from './helpers.js';

const context = {
  resourceType: GroupResourceType,
  principal: undefined,
  tenant: undefined,
  signal: new AbortController().signal,
};
const writing = (expectedVersion?: string) => ({ ...context, expectedVersion });
const meta = (version: number) => ({
  version: `W/"${version}"`,
  lastModified: `2026-12-03T00:00:0${version}.000Z`,
});
const created = { ...meta(1), created: '2026-12-03T00:00:01.000Z', resourceType: 'Group' };

function group(id: string, displayName: string, members: readonly string[]): ScimResource {
  return {
    schemas: [G],
    id,
    displayName,
    ...(members.length === 0 ? {} : { members: members.map((value) => ({ value, type: 'User' })) }),
    meta: created,
  };
}

async function storeWith(...groups: ScimResource[]): Promise<MemoryStore> {
  const store = createMemoryStore();
  for (const resource of groups) await store.create(resource, context);
  return store;
}

/** Member entries the store copied, indexed or visited so far: its work, not its time. */
const work = (store: MemoryStore) =>
  (store as MemoryStore & { [MEMBER_WORK]: () => number })[MEMBER_WORK]();

const values = (resource: ScimResource | undefined) =>
  (resource?.members as { value: string }[] | undefined)?.map((member) => member.value);

describe('the memory store keeps group members as data (issue 12)', () => {
  it('P-ETAG-03: adding a member already there and removing one that is not change nothing, not even the version', async () => {
    const store = await storeWith(group('g1', 'staff', ['u1']));
    const change = { add: [{ value: 'u1' }, { value: 'U1' }], remove: ['u9'], meta: meta(2) };
    expect(await store.modifyMembers('g1', change, writing())).toEqual({
      added: [],
      removed: [],
      meta: created,
      displayName: 'staff',
    });
    expect(values(await store.get('g1', context))).toEqual(['u1']);
  });

  it('P-ETAG-03: a member change that changes something gives the group the change’s version and lastModified', async () => {
    const store = await storeWith(group('g1', 'staff', ['u1', 'u2']));
    const result = await store.modifyMembers(
      'g1',
      { add: [{ value: 'u3', type: 'User', display: 'Cy' }], remove: ['u1'], meta: meta(2) },
      writing(),
    );
    expect(result).toEqual({
      added: ['u3'],
      removed: ['u1'],
      meta: { ...created, ...meta(2) },
      displayName: 'staff',
    });
    const stored = await store.get('g1', context);
    expect(stored?.members).toEqual([
      { value: 'u2', type: 'User' },
      { value: 'u3', type: 'User', display: 'Cy' },
    ]);
    expect(stored?.meta).toEqual({ ...created, ...meta(2) });
  });

  it('issue 12 (review): a removed member is reported as stored, not in the spelling the change used', async () => {
    const store = await storeWith(group('g1', 'staff', ['id1', 'u2']));
    const result = await store.modifyMembers(
      'g1',
      { add: [], remove: ['ID1'], meta: meta(2) },
      writing(),
    );
    // The membersRemoved event and the users' `groups` name the member the group held.
    expect(result?.removed).toEqual(['id1']);
    expect(values(await store.get('g1', context))).toEqual(['u2']);
  });

  it('issue 12 (review): one change naming a member key in both lists applies the adds first, so it ends removed', async () => {
    // The server never sends this; the store's answer is still defined.
    const store = await storeWith(group('g1', 'staff', ['id1']));
    const result = await store.modifyMembers(
      'g1',
      { add: [{ value: 'id1' }], remove: ['ID1'], meta: meta(2) },
      writing(),
    );
    expect(result).toMatchObject({ added: [], removed: ['id1'] });
    expect(values(await store.get('g1', context))).toBeUndefined();
  });

  it('issue 12: concurrent member changes without If-Match never conflict; both land', async () => {
    const store = await storeWith(group('g1', 'staff', []));
    await Promise.all([
      store.modifyMembers('g1', { add: [{ value: 'u1' }], remove: [], meta: meta(2) }, writing()),
      store.modifyMembers('g1', { add: [{ value: 'u2' }], remove: [], meta: meta(3) }, writing()),
    ]);
    expect(values(await store.get('g1', context))).toEqual(['u1', 'u2']);
  });

  it('P-ETAG-06: a stale expectedVersion is 412 and changes nothing; the current one applies', async () => {
    const store = await storeWith(group('g1', 'staff', ['u1']));
    await expect(
      store.modifyMembers(
        'g1',
        { add: [{ value: 'u2' }], remove: [], meta: meta(3) },
        writing('W/"0"'),
      ),
    ).rejects.toMatchObject({ status: 412 });
    expect(values(await store.get('g1', context))).toEqual(['u1']);
    await expect(
      store.modifyMembers(
        'g1',
        { add: [{ value: 'u2' }], remove: [], meta: meta(3) },
        writing('W/"1"'),
      ),
    ).resolves.toMatchObject({ added: ['u2'] });
  });

  it('P-CRUD-12: a member change to a group that does not exist resolves undefined', async () => {
    const store = await storeWith();
    expect(
      await store.modifyMembers(
        'nope',
        { add: [{ value: 'u1' }], remove: [], meta: meta(2) },
        writing(),
      ),
    ).toBeUndefined();
  });

  it('S-GROUP-05: removing the last member leaves a group without members, and adding one to it gives it some', async () => {
    const store = await storeWith(group('g1', 'staff', ['u1']));
    await store.modifyMembers('g1', { add: [], remove: ['u1'], meta: meta(2) }, writing());
    expect(await store.get('g1', context)).not.toHaveProperty('members');
    expect(await store.groupsOf(['u1'], context)).toEqual([]);
    await store.modifyMembers(
      'g1',
      { add: [{ value: 'u2' }], remove: [], meta: meta(3) },
      writing(),
    );
    expect(values(await store.get('g1', context))).toEqual(['u2']);
  });

  it('S-USER-07/S-GROUP-04: groupsOf answers one row per (group, member) with the display name only, in the groups’ creation order', async () => {
    const store = await storeWith(
      group('g2', 'second', ['u1', 'u2']),
      group('g1', 'first', ['u2']),
      group('g3', 'other', ['u3']),
    );
    expect(await store.groupsOf(['u2', 'u1', 'U1', 'u9'], context)).toEqual([
      { group: 'g2', displayName: 'second', member: 'u2' },
      { group: 'g2', displayName: 'second', member: 'u1' },
      { group: 'g1', displayName: 'first', member: 'u2' },
    ]);
  });

  it('P-PATCH-51: a replace with a members array swaps the whole membership, and groupsOf follows', async () => {
    const store = await storeWith(group('g1', 'staff', ['u1', 'u2']));
    await store.replace(group('g1', 'staff', ['u3', 'u2']), writing());
    expect(values(await store.get('g1', context))).toEqual(['u3', 'u2']);
    expect(await store.groupsOf(['u1'], context)).toEqual([]);
    expect((await store.groupsOf(['u3'], context)).map((row) => row.group)).toEqual(['g1']);
  });

  it('P-PROJ-02/P-PROJ-06: a read that leaves members out (excludedAttributes, or attributes without them) does not build them', async () => {
    const store = await storeWith(group('g1', 'staff', ['u1', 'u2', 'u3']));
    const before = work(store);
    const spared = await store.get('g1', { ...context, attributes: { exclude: ['MEMBERS'] } });
    const named = await store.get('g1', { ...context, attributes: { include: ['displayName'] } });
    expect([spared, named].map((resource) => resource?.members)).toEqual([undefined, undefined]);
    expect(named?.displayName).toBe('staff');
    expect(work(store)).toBe(before);
    expect(
      values(await store.get('g1', { ...context, attributes: { include: ['members'] } })),
    ).toHaveLength(3);
    expect(work(store)).toBe(before + 3);
  });

  it('P-PROJ-07/S-EXT-06: a read that excludes only a sub-attribute of members, or names members URN-qualified, gets them', async () => {
    const store = await storeWith(group('g1', 'staff', ['u1']));
    const reads = [
      { exclude: ['members.display'] },
      { include: ['urn:ietf:params:scim:schemas:core:2.0:Group:Members'] },
      { include: ['members.value'] },
    ];
    for (const attributes of reads)
      expect(values(await store.get('g1', { ...context, attributes }))).toEqual(['u1']);
  });

  it('issue 12: repeated reads of an unchanged group reuse its members instead of building them again', async () => {
    const store = await storeWith(group('g1', 'staff', ['u1', 'u2', 'u3']));
    const first = await store.get('g1', context);
    const before = work(store);
    const again = await store.get('g1', context);
    expect(again?.members).toBe(first?.members);
    expect(work(store)).toBe(before);
  });

  it('issue 12: a member change and groupsOf cost the same for a 100,000-member group as for a 10-member group', async () => {
    const costs = [];
    for (const size of [10, 100_000]) {
      const members = Array.from({ length: size }, (_, i) => `u${i}`);
      const store = await storeWith(group('g1', 'big', members), group('g2', 'small', ['u5']));
      const start = work(store);
      await store.modifyMembers(
        'g1',
        { add: [{ value: 'new' }], remove: ['u5'], meta: meta(2) },
        writing(),
      );
      const change = work(store) - start;
      const rows = await store.groupsOf(['u7'], context);
      expect(rows).toEqual([{ group: 'g1', displayName: 'big', member: 'u7' }]);
      costs.push({ change, lookup: work(store) - start - change });
    }
    // One entry per member named in the change, one per row returned: nothing that grows with the group.
    expect(costs).toEqual([
      { change: 2, lookup: 1 },
      { change: 2, lookup: 1 },
    ]);
  });
});
