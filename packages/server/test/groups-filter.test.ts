// Filtering users by their groups (RFC 7643 §4.1.2 defines `groups` on User: readOnly, multi-valued,
// value/$ref/display/type; RFC 7644 §3.4.2.2 lets a client filter on any attribute). No store holds
// `groups`: the server computes it from group membership on every read, so a filter on it must be
// decided from the memberships too, and answer what GET shows, or be refused; never 200 with nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilter } from '@scim/filter';
import { UserResourceType } from '@scim/core';
import type { ScimStore, StoreQueryResult } from '@scim/server';
import { createMemoryStorage, createMemoryStore } from '@scim/server/memory';
import { expectError, G, PO, SR, U, server } from './helpers.js';
import { tenantServer } from './fixtures/tenants.js';

type Call = ReturnType<typeof server>['call'];

/** A handler over the memory storage, whose store of users reads the group store's memberships. */
function storageServer(options: Parameters<typeof server>[0] = {}) {
  return server({ ...createMemoryStorage(), ...options });
}

async function postUser(call: Call, userName: string): Promise<string> {
  const reply = await call('POST', '/Users', { schemas: [U], userName });
  expect(reply.status).toBe(201);
  return reply.body.id as string;
}

async function postGroup(
  call: Call,
  displayName: string,
  members: readonly { value: string; type?: string }[],
): Promise<string> {
  const reply = await call('POST', '/Groups', { schemas: [G], displayName, members });
  expect(reply.status).toBe(201);
  return reply.body.id as string;
}

const users = (ids: readonly string[]) => ids.map((value) => ({ value }));

/** The userNames a filter answers, sorted, after checking totalResults agrees. */
async function userNames(call: Call, filter: string): Promise<string[]> {
  const reply = await call('GET', `/Users?filter=${encodeURIComponent(filter)}`);
  expect(reply.status, reply.text).toBe(200);
  const names = (reply.body.Resources ?? []).map((resource) => resource.userName as string);
  expect(reply.body.totalResults).toBe(names.length);
  return names.sort();
}

describe('S-USER-07: users filtered on groups.value, the id of a group they belong to (RFC 7643 §4.1.2)', () => {
  async function twoGroups() {
    const { call } = storageServer();
    const ann = await postUser(call, 'ann');
    const bob = await postUser(call, 'bob');
    await postUser(call, 'cid');
    const staff = await postGroup(call, 'Staff', users([ann]));
    const admins = await postGroup(call, 'Admins', users([ann, bob]));
    return { call, ann, bob, staff, admins };
  }

  it('a user in two groups is found by the id of each', async () => {
    const { call, staff, admins } = await twoGroups();
    expect(await userNames(call, `groups.value eq "${staff}"`)).toEqual(['ann']);
    expect(await userNames(call, `groups.value eq "${admins}"`)).toEqual(['ann', 'bob']);
  });

  it('the value filter, the bare attribute and an or of two groups read the same memberships', async () => {
    const { call, staff, admins } = await twoGroups();
    expect(await userNames(call, `groups[value eq "${staff}"]`)).toEqual(['ann']);
    expect(await userNames(call, `groups eq "${admins}"`)).toEqual(['ann', 'bob']);
    expect(
      await userNames(call, `groups.value eq "${staff}" or groups.value eq "${admins}"`),
    ).toEqual(['ann', 'bob']);
    expect(await userNames(call, `groups.value eq "no-such-group"`)).toEqual([]);
  });

  it('what GET /Users/{id} shows in groups is what the filter matches', async () => {
    const { call, ann, staff } = await twoGroups();
    const read = await call('GET', `/Users/${ann}`);
    expect(read.body.groups).toContainEqual(
      expect.objectContaining({ value: staff, display: 'Staff', type: 'direct' }),
    );
    const found = await call(
      'GET',
      `/Users?filter=${encodeURIComponent(`groups.value eq "${staff}"`)}`,
    );
    expect(found.body.Resources).toEqual([read.body]);
  });

  it('groups.value compares as its schema says: not caseExact', async () => {
    const { call } = storageServer({ generateId: idsFrom(['u-1', 'G-Staff']) });
    await postUser(call, 'ann');
    await postGroup(call, 'Staff', users(['u-1']));
    expect(await userNames(call, 'groups.value eq "g-staff"')).toEqual(['ann']);
  });

  it('combined with another term: userName eq "a" and groups.value eq "g"', async () => {
    const { call, staff, admins } = await twoGroups();
    expect(await userNames(call, `userName eq "bob" and groups.value eq "${admins}"`)).toEqual([
      'bob',
    ]);
    expect(await userNames(call, `userName eq "bob" and groups.value eq "${staff}"`)).toEqual([]);
    expect(await userNames(call, `userName eq "cid" or groups.value eq "${staff}"`)).toEqual([
      'ann',
      'cid',
    ]);
  });

  it('POST /Users/.search reads the same memberships', async () => {
    const { call, admins } = await twoGroups();
    const reply = await call('POST', '/Users/.search', {
      schemas: [SR],
      filter: `groups.value eq "${admins}"`,
      attributes: ['userName'],
    });
    expect(reply.status).toBe(200);
    expect(reply.body.totalResults).toBe(2);
  });
});

describe('groups.display and presence (RFC 7643 §4.1.2, RFC 7644 §3.4.2.2)', () => {
  it('groups.display matches the group displayName, case-insensitively', async () => {
    const { call } = storageServer();
    const ann = await postUser(call, 'ann');
    await postUser(call, 'bob');
    await postGroup(call, 'Tour Guides', users([ann]));
    expect(await userNames(call, 'groups.display eq "tour guides"')).toEqual(['ann']);
    expect(await userNames(call, 'groups[display sw "TOUR"]')).toEqual(['ann']);
    expect(await userNames(call, 'groups.display eq "Tour"')).toEqual([]);
  });

  it('groups pr is true only for members, and not (groups pr) only for the others', async () => {
    const { call } = storageServer();
    const ann = await postUser(call, 'ann');
    await postUser(call, 'bob');
    await postGroup(call, 'Staff', users([ann]));
    await postGroup(call, 'Empty', []);
    expect(await userNames(call, 'groups pr')).toEqual(['ann']);
    expect(await userNames(call, 'not (groups pr)')).toEqual(['bob']);
    expect(await userNames(call, 'groups.value eq null')).toEqual(['bob']);
  });
});

describe('P-PATCH-51: a membership change is what the next filter reads', () => {
  it('a user removed from a group no longer matches it, and still matches the other', async () => {
    const { call } = storageServer();
    const ann = await postUser(call, 'ann');
    const staff = await postGroup(call, 'Staff', users([ann]));
    const admins = await postGroup(call, 'Admins', users([ann]));
    const removed = await call('PATCH', `/Groups/${staff}`, {
      schemas: [PO],
      Operations: [{ op: 'remove', path: `members[value eq "${ann}"]` }],
    });
    expect(removed.status).toBeLessThan(300);
    expect(await userNames(call, `groups.value eq "${staff}"`)).toEqual([]);
    expect(await userNames(call, `groups.value eq "${admins}"`)).toEqual(['ann']);
    const replaced = await call('PATCH', `/Groups/${admins}`, {
      schemas: [PO],
      Operations: [{ op: 'replace', path: 'members', value: [] }],
    });
    expect(replaced.status).toBeLessThan(300);
    expect(await userNames(call, 'groups pr')).toEqual([]);
  });

  it('a deleted group matches nobody', async () => {
    const { call } = storageServer();
    const ann = await postUser(call, 'ann');
    const staff = await postGroup(call, 'Staff', users([ann]));
    expect(await userNames(call, `groups.value eq "${staff}"`)).toEqual(['ann']);
    expect((await call('DELETE', `/Groups/${staff}`)).status).toBe(204);
    expect(await userNames(call, `groups.value eq "${staff}"`)).toEqual([]);
  });
});

describe('S-GROUP-04: nested groups are indirect memberships, and filters read them as GET shows them', () => {
  it('U in G1 and G1 in G2: G2 matches as indirect, G1 as direct', async () => {
    const { call } = storageServer();
    const ann = await postUser(call, 'ann');
    const g1 = await postGroup(call, 'One', users([ann]));
    const g2 = await postGroup(call, 'Two', [{ value: g1, type: 'Group' }]);
    expect(await userNames(call, `groups.value eq "${g2}"`)).toEqual(['ann']);
    expect(await userNames(call, `groups[value eq "${g2}" and type eq "indirect"]`)).toEqual([
      'ann',
    ]);
    expect(await userNames(call, `groups[value eq "${g2}" and type eq "direct"]`)).toEqual([]);
    expect(await userNames(call, `groups[value eq "${g1}" and type eq "Direct"]`)).toEqual(['ann']);
    expect(await userNames(call, 'groups.type eq "indirect"')).toEqual(['ann']);
  });
});

describe('filters on groups match what GET shows, for any memberships (property)', () => {
  const step = fc.record({
    // Members of each of four groups: users 0–3, or groups (4 + n), nesting and cycles included.
    members: fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { maxLength: 4 }), {
      minLength: 4,
      maxLength: 4,
    }),
    filter: fc.integer({ min: 0, max: 1_000 }),
  });

  it('every generated filter answers exactly the users whose GET satisfies it', async () => {
    await fc.assert(
      fc.asyncProperty(step, async ({ members, filter }) => {
        const { call } = storageServer();
        const people: string[] = [];
        for (const name of ['u0', 'u1', 'u2', 'u3']) people.push(await postUser(call, name));
        const groups: string[] = [];
        for (const name of ['Alpha', 'beta', 'Gamma', 'alpha'])
          groups.push(await postGroup(call, name, []));
        for (const [index, list] of members.entries()) {
          const value = list.map((n) =>
            n < 4 ? { value: people[n] as string } : { value: groups[n - 4] as string },
          );
          const reply = await call('PATCH', `/Groups/${groups[index] as string}`, {
            schemas: [PO],
            Operations: [{ op: 'replace', path: 'members', value }],
          });
          expect(reply.status).toBeLessThan(300);
        }
        const text = filterOf(filter, groups);
        const matches = compileFilter(text, { resourceType: UserResourceType });
        const shown: string[] = [];
        for (const id of people) {
          const read = await call('GET', `/Users/${id}`);
          if (matches(read.body)) shown.push(read.body.userName as string);
        }
        expect(await userNames(call, text), text).toEqual(shown.sort());
      }),
      { numRuns: 60 },
    );
  });
});

describe('a group of another tenant never matches (issue 15)', () => {
  it('ISO: a group id of tenant globex matches nobody in tenant acme, and its members in globex', async () => {
    const { call } = tenantServer({ tenantFrom: 'url', authenticate: 'anonymous' });
    const make = async (tenant: string) => {
      const user = await call(undefined, 'POST', `/scim/v2/${tenant}/Users`, {
        schemas: [U],
        userName: 'same',
      });
      const group = await call(undefined, 'POST', `/scim/v2/${tenant}/Groups`, {
        schemas: [G],
        displayName: 'Staff',
        members: [{ value: user.body.id }],
      });
      return group.body.id as string;
    };
    await make('acme');
    const globex = await make('globex');
    const ask = (tenant: string, filter: string) =>
      call(undefined, 'GET', `/scim/v2/${tenant}/Users?filter=${encodeURIComponent(filter)}`);
    expect((await ask('acme', `groups.value eq "${globex}"`)).body.totalResults).toBe(0);
    expect((await ask('globex', `groups.value eq "${globex}"`)).body.totalResults).toBe(1);
    expect((await ask('acme', 'groups.display eq "staff"')).body.totalResults).toBe(1);
  });
});

describe('a filter on groups that cannot be decided is refused, never answered empty', () => {
  it('stores that cannot read memberships (lone memory stores) answer 400 invalidFilter', async () => {
    const { call } = server({ stores: { User: createMemoryStore(), Group: createMemoryStore() } });
    const ann = await postUser(call, 'ann');
    const staff = await postGroup(call, 'Staff', users([ann]));
    for (const filter of [`groups.value eq "${staff}"`, 'groups pr', 'not (groups pr)']) {
      const reply = await call('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      expectError(reply, 400, 'invalidFilter');
      expect(reply.body.detail).toContain("'groups'");
      expect(reply.body.detail).toContain('members[value eq');
    }
    // Filters that do not name groups are untouched.
    expect(await userNames(call, 'userName eq "ann"')).toEqual(['ann']);
  });

  it('so is a query across resource types naming groups', async () => {
    const { call } = server({ stores: { User: createMemoryStore(), Group: createMemoryStore() } });
    expectError(
      await call('GET', `/?filter=${encodeURIComponent('groups pr')}`),
      400,
      'invalidFilter',
    );
  });

  it('groups.$ref is refused whatever the store: filter on groups.value', async () => {
    const { call } = storageServer();
    const reply = await call(
      'GET',
      `/Users?filter=${encodeURIComponent('groups.$ref eq "https://app.example.com/scim/v2/Groups/g"')}`,
    );
    expectError(reply, 400, 'invalidFilter');
    expect(reply.body.detail).toContain('groups.value');
  });

  it('RFC 7644 §3.4.2.3: sortBy on groups is invalidValue, as computed memberships have no stored order', async () => {
    const { call } = storageServer();
    expectError(await call('GET', '/Users?sortBy=groups.value'), 400, 'invalidValue');
    expectError(await call('GET', '/Users?sortBy=groups.display'), 400, 'invalidValue');
  });

  it('a store that declares filtersGroups but leaves the filter to the server is a store bug (500)', async () => {
    const storage = createMemoryStorage();
    const inner = storage.stores.User as ScimStore;
    const lazy: ScimStore = {
      ...inner,
      get: (id, context) => inner.get(id, context),
      create: (resource, context) => inner.create(resource, context),
      filtersGroups: true,
      query: async (query, context): Promise<StoreQueryResult> => {
        const result = await inner.query(
          { ...query, filter: undefined, bound: undefined },
          context,
        );
        return { ...result, applied: { ...result.applied, filter: false } };
      },
    };
    const errors: unknown[] = [];
    const { call } = server({
      ...storage,
      stores: { ...storage.stores, User: lazy },
      onError: (error) => errors.push(error),
    });
    await postUser(call, 'ann');
    expect((await call('GET', '/Users?filter=groups%20pr')).status).toBe(500);
    expect(String(errors[0])).toContain('filtersGroups');
  });
});

describe('cursor pages read the same memberships (RFC 9865)', () => {
  it('a keyset walk over groups.value eq visits every member once', async () => {
    const { call } = storageServer({ pagination: { cursor: true } });
    const ids = [];
    for (let i = 0; i < 7; i++) ids.push(await postUser(call, `user${i}`));
    const staff = await postGroup(call, 'Staff', users(ids.filter((_, i) => i % 2 === 0)));
    const seen: string[] = [];
    let page = (
      await call(
        'GET',
        `/Users?cursor&count=2&filter=${encodeURIComponent(`groups.value eq "${staff}"`)}`,
      )
    ).body;
    for (;;) {
      seen.push(...(page.Resources ?? []).map((resource) => resource.userName as string));
      if (page.nextCursor === undefined) break;
      page = (
        await call(
          'GET',
          `/Users?count=2&filter=${encodeURIComponent(`groups.value eq "${staff}"`)}&cursor=${page.nextCursor as string}`,
        )
      ).body;
    }
    expect(seen.sort()).toEqual(['user0', 'user2', 'user4', 'user6']);
  });
});

/** An id source that hands out `ids` in order, then random ones. */
function idsFrom(ids: readonly string[]): () => string {
  const queue = [...ids];
  return () => queue.shift() ?? crypto.randomUUID();
}

/** A filter on groups from a number: terms on value, display, type and presence, combined. */
function filterOf(seed: number, groups: readonly string[]): string {
  const pick = <T>(list: readonly T[], n: number): T => list[n % list.length] as T;
  const group = pick(groups, seed);
  const terms = [
    `groups.value eq "${group}"`,
    `groups.value eq "${group.toUpperCase()}"`,
    `groups[value eq "${group}" and type eq "direct"]`,
    `groups[value eq "${group}" and type eq "indirect"]`,
    `groups.display eq "alpha"`,
    `groups[display sw "g" or type eq "indirect"]`,
    'groups pr',
    'groups.type eq "indirect"',
    `groups.value ne "${group}"`,
    `groups[not (value eq "${group}")]`,
    'userName eq "u1"',
  ];
  const first = pick(terms, seed);
  const second = pick(terms, Math.floor(seed / terms.length));
  switch (Math.floor(seed / 121) % 4) {
    case 0:
      return first;
    case 1:
      return `not (${first})`;
    case 2:
      return `${first} and ${second}`;
    default:
      return `${first} or not (${second})`;
  }
}
