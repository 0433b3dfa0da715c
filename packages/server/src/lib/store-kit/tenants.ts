// Tenant isolation: resources, unique values and member lookups are per `context.tenant`, so one
// tenant's requests never see, clash with or change another's data.
import { groupsListing } from './membership.js';
import {
  check,
  contextOf,
  GROUP,
  group,
  idsOf,
  open,
  rejection,
  sameSet,
  USER,
  user,
  type StoreCase,
  type StoreConformanceOptions,
} from './kit.js';

const A = 'tenant-a';
const B = 'tenant-b';

/** The same userName and group in two tenants. */
async function twoTenants(kit: StoreConformanceOptions) {
  const { users, groups } = await open(kit);
  const inA = await users.create(user('shared', { externalId: 'x1' }), contextOf(USER, A));
  const inB = await users.create(user('SHARED', { externalId: 'x1' }), contextOf(USER, B));
  const groupA = await groups.create(group('staff', [inA.id as string]), contextOf(GROUP, A));
  const groupB = await groups.create(
    group('staff', [inB.id as string, inA.id as string]),
    contextOf(GROUP, B),
  );
  return { users, groups, inA, inB, groupA, groupB };
}

export const tenantCases: readonly StoreCase[] = [
  [
    'SK-N-01',
    'the same userName is free in each tenant, and still unique within one',
    async (kit) => {
      const { users } = await twoTenants(kit);
      await rejection(
        users.create(user('Shared'), contextOf(USER, A)),
        409,
        'a second "Shared" in tenant A',
      );
      await users.create(user('shared'), contextOf(USER, 'tenant-c'));
      await users.create(user('shared'), contextOf(USER));
    },
  ],
  [
    'SK-N-02',
    "get and query in one tenant never see another tenant's resources",
    async (kit) => {
      const { users, inA, inB } = await twoTenants(kit);
      check(
        (await users.get(inB.id as string, contextOf(USER, A))) === undefined,
        "tenant A must not get B's user",
      );
      check(
        (await users.get(inA.id as string, contextOf(USER, A)))?.id === inA.id,
        'tenant A must get its own user',
      );
      sameSet(await idsOf(users, USER, {}, A), [inA.id as string], 'every user of tenant A');
      sameSet(
        await idsOf(users, USER, { filter: 'userName eq "shared"' }, B),
        [inB.id as string],
        'userName eq "shared" in B',
      );
      sameSet(
        await idsOf(users, USER, { filter: `id eq "${inB.id as string}"` }, A),
        [],
        "tenant A asking for B's id",
      );
      sameSet(
        await idsOf(users, USER, { filter: 'externalId eq "x1"' }, A),
        [inA.id as string],
        'externalId eq "x1" in A',
      );
      sameSet(await idsOf(users, USER, {}, 'tenant-c'), [], 'a tenant with no data');
    },
  ],
  [
    'SK-N-03',
    "a delete in one tenant cannot remove another tenant's resource",
    async (kit) => {
      const { users, inB } = await twoTenants(kit);
      check(
        !(await users.delete(inB.id as string, contextOf(USER, A))),
        "tenant A deleting B's id must return false",
      );
      check(
        (await users.get(inB.id as string, contextOf(USER, B)))?.id === inB.id,
        "B's user must still be there",
      );
    },
  ],
  [
    'SK-N-04',
    'member lookups stay in their tenant',
    async (kit) => {
      const { groups, inA, groupA, groupB } = await twoTenants(kit);
      sameSet(
        await groupsListing(groups, inA.id as string, A),
        [groupA.id as string],
        "the groups of A's user in A",
      );
      sameSet(
        await groupsListing(groups, inA.id as string, B),
        [groupB.id as string],
        'the groups listing that id in B',
      );
      sameSet(
        await groupsListing(groups, inA.id as string, 'tenant-c'),
        [],
        'the groups listing that id in C',
      );
    },
  ],
];
