// Filters on a user's `groups` (RFC 7643 §4.1.2): no store holds them, the server computes them from
// group membership on every read, so a store that declares `filtersGroups` decides such filters
// from the memberships, exactly as a read shows them: `value` is the group's id, `display` its
// displayName, `type` "direct", or "indirect" through nested groups. A store that does not declare
// it is never sent such a filter (the server answers 400 invalidFilter), and passes these cases.
import { bindFilter, compileBoundFilter, parseFilter } from '@scim/filter';
import { sortResources } from '../query/sort.js';
import type { ScimStore, StoreCursor, StoreSort } from '../store.js';
import { directory, filtersOver, groupsByMember } from './groups-directory.js';
import {
  answer,
  check,
  contextOf,
  GROUP,
  open,
  queryOf,
  revised,
  sameList,
  sameSet,
  stored,
  USER,
  user,
  writeContext,
  type StoreCase,
} from './kit.js';

/**
 * The ids a filter on groups answers. The store must have applied the filter itself: the server
 * cannot complete it, as it would compare users without their groups.
 */
async function matching(
  users: ScimStore,
  filter: string,
  tenant?: string,
  page: { readonly sortBy?: string; readonly startIndex?: number; readonly count?: number } = {},
): Promise<{ ids: string[]; total: number }> {
  const result = await answer(users, queryOf(USER, { filter, ...page }), contextOf(USER, tenant));
  check(
    result.applied.filter,
    `${filter}: a store that declares filtersGroups must apply a filter on groups itself`,
  );
  return {
    ids: result.resources.map((resource) => String(resource.id)),
    total: result.totalResults,
  };
}

async function ids(users: ScimStore, filter: string, tenant?: string): Promise<string[]> {
  return (await matching(users, filter, tenant)).ids;
}

export const groupsFilterCases: readonly StoreCase[] = [
  [
    'SK-G-01',
    'filtersGroups (when declared): a user in two groups is found by the id of each (groups.value eq, groups[value eq], bare groups eq)',
    async (kit) => {
      const { users, id, g } = await directory(kit);
      if (users.filtersGroups !== true) return;
      sameSet(
        await ids(users, `groups.value eq "${g.staff}"`),
        [id('ann')],
        'groups.value eq staff',
      );
      sameSet(
        await ids(users, `groups.value eq "${g.admins}"`),
        [id('ann'), id('bob')],
        'groups.value eq admins',
      );
      sameSet(
        await ids(users, `groups[value eq "${g.admins}"]`),
        [id('ann'), id('bob')],
        'groups[value eq admins]',
      );
      sameSet(await ids(users, `groups eq "${g.staff}"`), [id('ann')], 'groups eq staff');
      sameSet(
        await ids(users, `groups.value eq "${crypto.randomUUID()}"`),
        [],
        'groups.value eq an unknown id',
      );
    },
  ],
  [
    'SK-G-02',
    'filtersGroups (when declared): groups pr holds only for members, not (groups pr) and groups.value eq null for the others',
    async (kit) => {
      const { users, id } = await directory(kit);
      if (users.filtersGroups !== true) return;
      const members = [id('ann'), id('bob'), id('cid'), id('dee')];
      sameSet(await ids(users, 'groups pr'), members, 'groups pr');
      sameSet(await ids(users, 'not (groups pr)'), [id('eve')], 'not (groups pr)');
      sameSet(await ids(users, 'groups.value eq null'), [id('eve')], 'groups.value eq null');
      sameSet(await ids(users, 'groups.value ne null'), members, 'groups.value ne null');
    },
  ],
  [
    'SK-G-03',
    'filtersGroups (when declared): a user taken out of a group no longer matches it, and a deleted group matches nobody (P-PATCH-51)',
    async (kit) => {
      const { users, groups, id, g } = await directory(kit);
      if (users.filtersGroups !== true) return;
      const admins = await groups.get(g.admins, contextOf(GROUP));
      check(admins !== undefined, 'the admins group must be readable');
      await groups.replace(
        revised(admins, { members: [{ value: id('bob'), type: 'User' }] }),
        writeContext(GROUP, undefined),
      );
      sameSet(await ids(users, `groups.value eq "${g.admins}"`), [id('bob')], 'after the replace');
      if (groups.modifyMembers !== undefined) {
        await groups.modifyMembers(
          g.admins,
          {
            add: [{ value: id('eve'), type: 'User' }],
            remove: [id('bob')],
            meta: { version: 'W/"gf1"', lastModified: '2026-07-01T00:00:00.000Z' },
          },
          writeContext(GROUP, undefined),
        );
        sameSet(
          await ids(users, `groups.value eq "${g.admins}"`),
          [id('eve')],
          'after modifyMembers took bob out and put eve in',
        );
      }
      check(await groups.delete(g.staff, contextOf(GROUP)), 'deleting staff must return true');
      sameSet(await ids(users, `groups.value eq "${g.staff}"`), [], 'a deleted group');
    },
  ],
  [
    'SK-G-04',
    'filtersGroups (when declared): members of a member group match as indirect (S-GROUP-04), type tells them apart, and a loop ends',
    async (kit) => {
      const { users, id, g } = await directory(kit);
      if (users.filtersGroups !== true) return;
      sameSet(
        await ids(users, `groups.value eq "${g.top}"`),
        [id('ann'), id('bob')],
        'groups.value eq top (ann through staff and leads, bob directly)',
      );
      sameSet(
        await ids(users, `groups[value eq "${g.top}" and type eq "indirect"]`),
        [id('ann')],
        'indirect members of top',
      );
      sameSet(
        await ids(users, `groups[value eq "${g.top}" and type eq "direct"]`),
        [id('bob')],
        'direct members of top',
      );
      sameSet(
        await ids(users, `groups[value eq "${g.loopB}" and type eq "indirect"]`),
        [id('cid')],
        'cid is in loop B through loop A',
      );
      sameSet(
        await ids(users, `groups[value eq "${g.loopA}" and type eq "direct"]`),
        [id('cid')],
        'cid is in loop A directly, even though loop A is also in loop B',
      );
      sameSet(
        await ids(users, 'groups.type eq "INDIRECT"'),
        [id('ann'), id('cid')],
        'groups.type eq "INDIRECT" (type is not caseExact)',
      );
    },
  ],
  [
    'SK-G-05',
    'filtersGroups (when declared): groups.display and groups.value compare without case (not caseExact), ids outside ASCII included',
    async (kit) => {
      const { users, id, g } = await directory(kit);
      if (users.filtersGroups !== true) return;
      sameSet(await ids(users, 'groups.display eq "STAFF"'), [id('ann')], 'display eq "STAFF"');
      sameSet(
        await ids(users, 'groups[display sw "loop"]'),
        [id('cid')],
        'groups[display sw "loop"]',
      );
      sameSet(
        await ids(users, 'groups.value eq "ascii-upper"'),
        [id('cid'), id('dee')],
        'groups.value eq "ascii-upper"',
      );
      sameSet(
        await ids(users, 'groups.value eq "KELVIN-GROUP"'),
        [id('dee')],
        'groups.value eq "KELVIN-GROUP" (the id starts with U+212A)',
      );
      sameSet(
        await ids(users, `groups.value eq "${g.kelvin}"`),
        [id('dee')],
        'groups.value eq the id itself',
      );
      sameSet(
        await ids(users, 'groups.value eq "FULL"'),
        [id('cid')],
        'groups.value eq "FULL" (the id is full-width)',
      );
      sameSet(
        await ids(users, 'groups[display eq null]'),
        [id('cid'), id('dee')],
        'a group without a displayName, or with an empty one, has no display',
      );
    },
  ],
  [
    'SK-G-06',
    'filtersGroups (when declared): with other terms (userName eq "a" and groups.value eq "g", or, not), sorted and paged',
    async (kit) => {
      const { users, id, g } = await directory(kit);
      if (users.filtersGroups !== true) return;
      sameSet(
        await ids(users, `userName eq "bob" and groups.value eq "${g.admins}"`),
        [id('bob')],
        'userName eq "bob" and groups.value eq admins',
      );
      sameSet(
        await ids(users, `userName eq "bob" and groups.value eq "${g.staff}"`),
        [],
        'userName eq "bob" and groups.value eq staff',
      );
      sameSet(
        await ids(users, `userName eq "eve" or groups.value eq "${g.staff}"`),
        [id('ann'), id('eve')],
        'userName eq "eve" or groups.value eq staff',
      );
      sameSet(
        await ids(users, `title eq "Boss" or groups.value eq "${g.kelvin}"`),
        [id('ann'), id('dee')],
        'an attribute no index holds, or groups',
      );
      const page = await matching(users, 'groups pr', undefined, {
        sortBy: 'userName',
        startIndex: 2,
        count: 2,
      });
      sameList(page.ids, [id('bob'), id('cid')], 'groups pr sorted by userName, page 2 of 2');
      check(page.total === 4, `groups pr must count 4 matches, got ${page.total}`);
    },
  ],
  [
    'SK-G-07',
    'filtersGroups (when declared): a group of another tenant never matches, by id, by display name or by presence',
    async (kit) => {
      const { users, groups } = await open(kit);
      if (users.filtersGroups !== true) return;
      const [A, B] = ['tenant-a', 'tenant-b'];
      const inA = await users.create(user('ann'), contextOf(USER, A));
      const alone = await users.create(user('alone'), contextOf(USER, A));
      const inB = await users.create(user('bob'), contextOf(USER, B));
      const groupA = await groups.create(
        stored(GROUP, { displayName: 'Staff', members: [{ value: inA.id, type: 'User' }] }),
        contextOf(GROUP, A),
      );
      // Tenant B's group lists ids of tenant A's users: they are no members in A.
      const groupB = await groups.create(
        stored(GROUP, {
          displayName: 'Other',
          members: [inB.id, inA.id, alone.id].map((value) => ({ value, type: 'User' })),
        }),
        contextOf(GROUP, B),
      );
      sameSet(
        await ids(users, `groups.value eq "${groupB.id as string}"`, A),
        [],
        "B's group in A",
      );
      sameSet(await ids(users, 'groups.display eq "other"', A), [], "B's group name in A");
      sameSet(await ids(users, 'groups pr', A), [inA.id as string], 'groups pr in A');
      sameSet(await ids(users, 'not (groups pr)', A), [alone.id as string], 'not (groups pr) in A');
      sameSet(
        await ids(users, `groups.value eq "${groupB.id as string}"`, B),
        [inB.id as string],
        "B's group in B",
      );
      sameSet(
        await ids(users, `groups.value eq "${groupA.id as string}"`, B),
        [],
        "A's group in B",
      );
    },
  ],
  [
    'SK-G-08',
    'filtersGroups (when declared): every filter of a set answers exactly the users whose groups, as a read shows them, satisfy it',
    async (kit) => {
      const { users, people, g, specs } = await directory(kit);
      if (users.filtersGroups !== true) return;
      const groupsOf = groupsByMember(specs);
      const shown = [...people.values()].map((resource) => ({
        ...resource,
        groups: groupsOf(resource.id as string),
      }));
      const sort = queryOf(USER, { sortBy: 'userName' }).sort as StoreSort;
      for (const filter of filtersOver(g)) {
        const bound = bindFilter(parseFilter(filter), USER);
        const expected = shown.filter(compileBoundFilter(bound));
        const expectedIds = expected.map((resource) => String(resource.id));
        sameSet(await ids(users, filter), expectedIds, filter);
        // The same sorted and paged, which a store may take over too.
        sortResources(expected, sort.attribute, sort.order);
        const page = await matching(users, filter, undefined, { sortBy: 'userName', count: 2 });
        sameList(
          page.ids,
          expected.slice(0, 2).map((resource) => String(resource.id)),
          `${filter}, sorted by userName, the first page of 2`,
        );
        check(
          page.total === expected.length,
          `${filter}: totalResults ${page.total}, expected ${expected.length}`,
        );
      }
    },
  ],
  [
    'SK-G-09',
    'filtersGroups (when declared): a cursor walk (when the store pages by position) over groups.value eq visits every member once',
    async (kit) => {
      const { users, g, id } = await directory(kit);
      if (users.filtersGroups !== true) return;
      const filter = `groups.value eq "${g.top}" or groups.value eq "${g.upper}"`;
      const seen: string[] = [];
      let cursor: StoreCursor | undefined = {};
      for (let pages = 0; cursor !== undefined; pages++) {
        check(pages < 10, `${filter}: the walk must end`);
        const result = await users.query(
          queryOf(USER, { filter, cursor, count: 1 }),
          contextOf(USER),
        );
        if (result.positions === undefined) return;
        check(result.applied.filter, `${filter}: a keyset page must apply the filter`);
        seen.push(...result.resources.map((resource) => String(resource.id)));
        cursor = result.positions.next === undefined ? undefined : { after: result.positions.next };
      }
      sameSet(seen, [id('ann'), id('bob'), id('cid'), id('dee')], `${filter}, walked one by one`);
    },
  ],
  [
    'SK-G-10',
    'filtersGroups (when declared): members whose ids hold characters outside ASCII, quotes, backslashes or capitals are found alike',
    async (kit) => {
      const { users, groups } = await open(kit);
      if (users.filtersGroups !== true) return;
      const odd = [
        'Ünï-user',
        'quote"user',
        'back\\slash',
        'UPPER-Case',
        '\u212Aelvin',
        'tab\tuser',
      ];
      for (const [i, id] of odd.entries())
        await users.create(stored(USER, { userName: `odd${i}` }, id), contextOf(USER));
      const plainUser = await users.create(user('plain'), contextOf(USER));
      const inner = await groups.create(
        stored(GROUP, {
          displayName: 'Inner',
          members: odd.slice(0, 4).map((value) => ({ value, type: 'User' })),
        }),
        contextOf(GROUP),
      );
      const outer = await groups.create(
        stored(GROUP, {
          displayName: 'Outer',
          members: [
            { value: inner.id, type: 'Group' },
            ...odd.slice(3).map((value) => ({ value, type: 'User' })),
          ],
        }),
        contextOf(GROUP),
      );
      sameSet(
        await ids(users, `groups.value eq "${inner.id as string}"`),
        odd.slice(0, 4),
        'inner',
      );
      sameSet(await ids(users, `groups.value eq "${outer.id as string}"`), odd, 'outer');
      sameSet(
        await ids(users, `groups[value eq "${outer.id as string}" and type eq "indirect"]`),
        odd.slice(0, 3),
        'indirect members of outer (UPPER-Case is also direct)',
      );
      sameSet(await ids(users, 'groups pr'), odd, 'groups pr');
      sameSet(await ids(users, 'not (groups pr)'), [plainUser.id as string], 'not (groups pr)');
    },
  ],
];
