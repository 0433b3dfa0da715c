// Membership as data: the lookups that answer "which groups list this member" (groupsOf, or a
// members[value eq …] query) and member changes that touch only the members named (modifyMembers).
import type { ScimStore, StoreMembership } from '../store.js';
import {
  check,
  contextOf,
  GROUP,
  group,
  idsOf,
  open,
  rejection,
  revised,
  sameSet,
  USER,
  user,
  writeContext,
  type StoreCase,
  type StoreConformanceOptions,
} from './kit.js';

const ctx = contextOf(GROUP);

/** u1 in g1 and g2, u2 in g2, g2 nested in g3, g4 empty. */
async function nested(kit: StoreConformanceOptions) {
  const { groups } = await open(kit);
  const [u1, u2] = [crypto.randomUUID(), crypto.randomUUID()];
  const g1 = await groups.create(group('one', [u1]), ctx);
  const g2 = await groups.create(group('two', [u1, u2]), ctx);
  const g3 = await groups.create(
    { ...group('three'), members: [{ value: g2.id as string, type: 'Group' }] },
    ctx,
  );
  const g4 = await groups.create(group('four'), ctx);
  const ids = {
    u1,
    u2,
    g1: g1.id as string,
    g2: g2.id as string,
    g3: g3.id as string,
    g4: g4.id as string,
  };
  return { groups, ids, g1, g2 };
}

const pairs = (rows: readonly StoreMembership[]) => rows.map((row) => `${row.group}:${row.member}`);

/** The groups listing `member`, by every lookup the store offers: they must agree. */
export async function groupsListing(
  groups: ScimStore,
  member: string,
  tenant?: string,
): Promise<string[]> {
  const byQuery = await idsOf(groups, GROUP, { filter: `members[value eq "${member}"]` }, tenant);
  if (groups.groupsOf === undefined) return byQuery;
  const rows = await groups.groupsOf([member], contextOf(GROUP, tenant));
  const byLookup = rows.map((row) => row.group);
  sameSet(byLookup, byQuery, `groupsOf([${member}]) and members[value eq "${member}"]`);
  return byLookup;
}

export const membershipCases: readonly StoreCase[] = [
  [
    'SK-M-01',
    'groupsOf (when the store has it) lists one row per direct (group, member) pair, with the display name',
    async (kit) => {
      const { groups, ids } = await nested(kit);
      if (groups.groupsOf === undefined) return;
      const one = await groups.groupsOf([ids.u1], ctx);
      sameSet(pairs(one), [`${ids.g1}:${ids.u1}`, `${ids.g2}:${ids.u1}`], 'groupsOf([u1])');
      const names = new Map(one.map((row) => [row.group, row.displayName]));
      check(
        names.get(ids.g1) === 'one' && names.get(ids.g2) === 'two',
        'groupsOf must give each group its displayName',
      );
      const both = await groups.groupsOf([ids.u1, ids.u2], ctx);
      sameSet(
        pairs(both),
        [`${ids.g1}:${ids.u1}`, `${ids.g2}:${ids.u1}`, `${ids.g2}:${ids.u2}`],
        'groupsOf([u1, u2])',
      );
      // Nesting is the server's business: only the direct group of g2 is listed, never g2's members.
      sameSet(
        pairs(await groups.groupsOf([ids.g2], ctx)),
        [`${ids.g3}:${ids.g2}`],
        'groupsOf([g2])',
      );
      sameSet(pairs(await groups.groupsOf([crypto.randomUUID()], ctx)), [], 'groupsOf([unknown])');
    },
  ],
  [
    'SK-M-02',
    'a members[value eq …] query finds exactly the groups listing the member (the server computes User.groups from it)',
    async (kit) => {
      const { groups, ids } = await nested(kit);
      const listing = (filter: string) => idsOf(groups, GROUP, { filter });
      sameSet(
        await listing(`members[value eq "${ids.u1}"]`),
        [ids.g1, ids.g2],
        'members[value eq u1]',
      );
      sameSet(await listing(`members.value eq "${ids.u2}"`), [ids.g2], 'members.value eq u2');
      sameSet(
        await listing(`members[value eq "${ids.u2}" or value eq "${ids.g2}"]`),
        [ids.g2, ids.g3],
        'members[value eq u2 or value eq g2]',
      );
      sameSet(
        await listing(`members[value eq "${crypto.randomUUID()}"]`),
        [],
        'members[value eq unknown]',
      );
      sameSet(await groupsListing(groups, ids.u1), [ids.g1, ids.g2], 'the groups of u1');
    },
  ],
  [
    'SK-M-03',
    "a replace that swaps a group's members moves it in every lookup (P-PATCH-51)",
    async (kit) => {
      const { groups, ids, g1 } = await nested(kit);
      await groups.replace(
        revised(g1, { members: [{ value: ids.u2, type: 'User' }] }),
        writeContext(GROUP, undefined),
      );
      sameSet(
        await groupsListing(groups, ids.u1),
        [ids.g2],
        'the groups of u1 after g1 dropped it',
      );
      sameSet(
        await groupsListing(groups, ids.u2),
        [ids.g1, ids.g2],
        'the groups of u2 after g1 took it',
      );
    },
  ],
  [
    'SK-M-04',
    'a deleted group leaves every lookup',
    async (kit) => {
      const { groups, ids } = await nested(kit);
      check(await groups.delete(ids.g2, ctx), 'deleting g2 must return true');
      sameSet(
        await groupsListing(groups, ids.u1),
        [ids.g1],
        'the groups of u1 after g2 was deleted',
      );
      sameSet(await groupsListing(groups, ids.u2), [], 'the groups of u2 after g2 was deleted');
    },
  ],
  [
    'SK-M-05',
    'modifyMembers (when the store has it) adds and removes idempotently, and lookups follow (P-PATCH-27, P-PATCH-28)',
    async (kit) => {
      const { groups, ids } = await nested(kit);
      if (groups.modifyMembers === undefined) return;
      const change = (add: readonly string[], remove: readonly string[], version: string) =>
        groups.modifyMembers?.(
          ids.g4,
          {
            add: add.map((value) => ({ value, type: 'User' })),
            remove,
            meta: { version, lastModified: '2026-07-01T00:00:00.000Z' },
          },
          writeContext(GROUP, undefined),
        );
      const added = await change([ids.u1], [], 'W/"m1"');
      check(added !== undefined, 'modifyMembers on an existing group must resolve its result');
      sameSet(added.added, [ids.u1], 'added');
      check(added.meta.version === 'W/"m1"', 'a change must take the version it was given');
      check(added.displayName === 'four', "modifyMembers must return the group's displayName");
      const again = await change([ids.u1], [crypto.randomUUID()], 'W/"m2"');
      check(
        again !== undefined && again.added.length === 0 && again.removed.length === 0,
        'a repeated add and the removal of a non-member change nothing',
      );
      check(again.meta.version === 'W/"m1"', 'a change that changes nothing keeps the version');
      const members = (await groups.get(ids.g4, ctx))?.members;
      check(Array.isArray(members) && members.length === 1, 'the group must list u1 once');
      sameSet(
        await groupsListing(groups, ids.u1),
        [ids.g1, ids.g2, ids.g4],
        'the groups of u1 after the add',
      );
      const removed = await change([], [ids.u1], 'W/"m3"');
      sameSet(removed?.removed ?? [], [ids.u1], 'removed');
      sameSet(
        await groupsListing(groups, ids.u1),
        [ids.g1, ids.g2],
        'the groups of u1 after the removal',
      );
    },
  ],
  [
    'SK-M-06',
    'modifyMembers (when the store has it) with a stale expectedVersion is 412; on an unknown group it resolves undefined',
    async (kit) => {
      const { groups, ids, g1 } = await nested(kit);
      if (groups.modifyMembers === undefined) return;
      const meta = { version: 'W/"n1"', lastModified: '2026-07-01T00:00:00.000Z' };
      await groups.modifyMembers(
        ids.g1,
        { add: [{ value: ids.u2 }], remove: [], meta },
        writeContext(GROUP, g1.meta?.version),
      );
      await rejection(
        groups.modifyMembers(
          ids.g1,
          { add: [], remove: [ids.u1], meta: { ...meta, version: 'W/"n2"' } },
          writeContext(GROUP, g1.meta?.version),
        ),
        412,
        'modifyMembers at a stale version',
      );
      sameSet(
        await groupsListing(groups, ids.u1),
        [ids.g1, ids.g2],
        'the refused removal must leave u1 in g1',
      );
      const missing = await groups.modifyMembers(
        crypto.randomUUID(),
        { add: [{ value: ids.u1 }], remove: [], meta },
        writeContext(GROUP, undefined),
      );
      check(missing === undefined, 'modifyMembers on an unknown group must resolve undefined');
    },
  ],
  [
    'SK-M-07',
    'concurrent modifyMembers calls without expectedVersion (when the store has it) never conflict: every member lands',
    async (kit) => {
      const { groups, ids } = await nested(kit);
      const modify = groups.modifyMembers?.bind(groups);
      if (modify === undefined) return;
      const members = Array.from({ length: 20 }, () => crypto.randomUUID());
      await Promise.all(
        members.map((value, i) =>
          modify(
            ids.g4,
            {
              add: [{ value }],
              remove: [],
              meta: { version: `W/"c${i}"`, lastModified: '2026-07-01T00:00:00.000Z' },
            },
            writeContext(GROUP, undefined),
          ),
        ),
      );
      const listed = ((await groups.get(ids.g4, ctx))?.members ?? []) as { value: string }[];
      sameSet(
        listed.map((member) => member.value),
        members,
        'the members of g4 after 20 concurrent adds',
      );
    },
  ],
  [
    'SK-M-08',
    'modifyMembers (when the store has it) never dates a group earlier than it was: a change dated at or before the stored lastModified gets stored + 1 ms',
    async (kit) => {
      const { groups } = await open(kit);
      if (groups.modifyMembers === undefined) return;
      // Created (and last modified) at 2026-01-01T00:00:00.000Z; the changes come from instances
      // whose clocks are behind, level with, and ahead of the one that wrote the group before.
      const g = await groups.create(group('dated'), ctx);
      const id = g.id as string;
      const change = async (add: string[], remove: string[], version: string, at: string) => {
        const result = await groups.modifyMembers?.(
          id,
          {
            add: add.map((value) => ({ value, type: 'User' })),
            remove,
            meta: { version, lastModified: at },
          },
          writeContext(GROUP, undefined),
        );
        check(result !== undefined, 'modifyMembers on an existing group must resolve its result');
        const read = (await groups.get(id, ctx))?.meta?.lastModified;
        check(
          read === result.meta.lastModified,
          `the stored lastModified (${String(read)}) must be the one modifyMembers answers (${String(result.meta.lastModified)})`,
        );
        return result.meta;
      };
      const expectDated = (actual: unknown, expected: string, what: string) =>
        check(
          actual === expected,
          `${what}: expected lastModified ${expected}, got ${String(actual)}`,
        );
      const [u1, u2] = [crypto.randomUUID(), crypto.randomUUID()];
      const behind = await change([u1], [], 'W/"d1"', '2025-12-31T23:59:58.000Z');
      expectDated(
        behind.lastModified,
        '2026-01-01T00:00:00.001Z',
        'a change dated before the stored lastModified',
      );
      check(
        behind.version === 'W/"d1"',
        'a change dated back still takes the version it was given',
      );
      sameSet(
        await idsOf(groups, GROUP, { filter: 'meta.lastModified gt "2026-01-01T00:00:00.000Z"' }),
        [id],
        'meta.lastModified gt the creation time, after a change dated before it',
      );
      const level = await change([u2], [], 'W/"d2"', '2026-01-01T00:00:00.001Z');
      expectDated(
        level.lastModified,
        '2026-01-01T00:00:00.002Z',
        'a change dated at the stored lastModified',
      );
      const ahead = await change([], [u1], 'W/"d3"', '2026-07-01T00:00:00.000Z');
      expectDated(
        ahead.lastModified,
        '2026-07-01T00:00:00.000Z',
        'a change dated after the stored lastModified',
      );
      const noop = await change([u2], [], 'W/"d4"', '2026-01-01T00:00:00.000Z');
      expectDated(noop.lastModified, '2026-07-01T00:00:00.000Z', 'a change that changes nothing');
    },
  ],
  [
    'SK-M-09',
    "existing (when the store has it) answers exactly the ids it holds for the type and tenant: unknown, unstorable, repeated and other tenants' ids are left out (S-CHAR-36)",
    async (kit) => {
      const { users } = await open(kit);
      if (users.existing === undefined) return;
      const ann = await users.create(user('ann'), contextOf(USER));
      const bob = await users.create(user('bob'), contextOf(USER));
      const elsewhere = await users.create(user('carl'), contextOf(USER, 'tenant-b'));
      const asked = [
        ann.id as string,
        crypto.randomUUID(),
        bob.id as string,
        ann.id as string,
        elsewhere.id as string,
        'bad\u0000id',
        '\ud800',
      ];
      const found = await users.existing(asked, contextOf(USER));
      sameSet([...found], [ann.id as string, bob.id as string], 'the ids held, asked among others');
      sameSet(
        [...(await users.existing([elsewhere.id as string], contextOf(USER, 'tenant-b')))],
        [elsewhere.id as string],
        "another tenant's ids, asked in that tenant",
      );
      check((await users.existing([], contextOf(USER))).size === 0, 'no ids, none found');
      // More ids than one statement may bind, as a 10,000-member PUT asks.
      const many = Array.from({ length: 1_200 }, () => crypto.randomUUID());
      sameSet(
        [...(await users.existing([...many, bob.id as string], contextOf(USER)))],
        [bob.id as string],
        'one held id among 1,200 unknown ones',
      );
    },
  ],
];
