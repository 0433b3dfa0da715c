// The store kit's cases on filters by groups (RFC 7643 §4.1.2) catch each way a store of users can
// get them wrong, planted alone in memory stores that read their memberships from one another:
// every case named for a bug fails on it, and passes on the memory storage (store-kit.test.ts).
import { describe, expect, it } from 'vitest';
import type { ScimStore } from '@scim/server';
import { storeConformanceCases, type StorageUnderTest } from '@scim/server/testing';
import { gatedMemoryStore } from '../src/lib/memory/memory-store.js';
import { MEMBERSHIPS, type MembershipView } from '../src/lib/memory/memory-groups.js';
import { UNGATED } from '../src/lib/memory/memory-transaction.js';

type Store = ReturnType<typeof gatedMemoryStore>;

/**
 * A User and a Group memory store; the store of users reads memberships through `lend`, which
 * plants the bug in what it lends.
 */
function storage(
  lend: (group: Store, tenant: string) => MembershipView | undefined,
  wrapUsers: (users: ScimStore) => ScimStore = (users) => users,
): () => StorageUnderTest {
  return () => {
    const stores: Record<string, Store> = {};
    const peers = (name: string) => {
      const group = stores[name];
      return group === undefined
        ? undefined
        : { [MEMBERSHIPS]: (tenant: string) => lend(group, tenant) };
    };
    stores.User = gatedMemoryStore(UNGATED, peers);
    stores.Group = gatedMemoryStore(UNGATED, peers);
    return { stores: { User: wrapUsers(stores.User), Group: stores.Group } };
  };
}

const honest = (group: Store, tenant: string) => group[MEMBERSHIPS](tenant);

const planted: readonly {
  readonly bug: string;
  readonly createStorage: () => StorageUnderTest;
  readonly caughtBy: readonly string[];
}[] = [
  {
    bug: 'filtersGroups declared, but the stored user (which has no groups) compared',
    createStorage: storage(honest, (users) => ({
      ...users,
      query: (query, context) => users.query({ ...query, groupType: undefined }, context),
    })),
    caughtBy: ['SK-G-01', 'SK-G-02', 'SK-G-04', 'SK-G-05', 'SK-G-06', 'SK-G-08', 'SK-G-10'],
  },
  {
    bug: 'direct memberships only, nested groups ignored',
    createStorage: storage((group, tenant) => {
      const view = group[MEMBERSHIPS](tenant);
      if (view === undefined) return undefined;
      // A group is never found inside another.
      const isGroup = (value: string) =>
        group.size(tenant) > 0 && view.displayName(value) !== undefined;
      return {
        containing: (value) => (isGroup(value) ? [] : view.containing(value)),
        displayName: (id) => view.displayName(id),
      };
    }),
    caughtBy: ['SK-G-04', 'SK-G-08'],
  },
  {
    bug: "another tenant's memberships read",
    createStorage: storage(
      (group, tenant) => group[MEMBERSHIPS]('tenant-b') ?? group[MEMBERSHIPS](tenant),
    ),
    caughtBy: ['SK-G-07'],
  },
  {
    bug: 'type always "direct"',
    createStorage: storage(honest, (users) => ({
      ...users,
      query: (query, context) => {
        // Reads `type eq "indirect"` as `type eq "direct"`: the store cannot tell them apart.
        const text = JSON.stringify(query.bound).replace(/"indirect"/gi, '"direct"');
        return users.query({ ...query, bound: JSON.parse(text) as typeof query.bound }, context);
      },
    })),
    caughtBy: ['SK-G-04', 'SK-G-08', 'SK-G-10'],
  },
];

describe('store kit: planted bugs in filters by groups', () => {
  it('the honest stores pass every SK-G case', async () => {
    for (const c of storeConformanceCases({ createStorage: storage(honest) }))
      if (c.id.startsWith('SK-G-')) await c.run();
  });

  for (const bug of planted) {
    it(`catches: ${bug.bug} (by ${bug.caughtBy.join(', ')})`, async () => {
      const cases = storeConformanceCases({ createStorage: bug.createStorage });
      for (const id of bug.caughtBy) {
        const found = cases.find((c) => c.id === id);
        expect(found, `no kit case ${id}`).toBeDefined();
        await expect(found?.run(), `${id} must fail on this bug`).rejects.toThrow(Error);
      }
    }, 60_000);
  }
});
