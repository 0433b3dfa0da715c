// The store kit against its reference, the memory storage: every case must pass. A store author
// runs the same loop with their own createStorage.
import { describe, expect, it } from 'vitest';
import type { ScimStore } from '@scim/server';
import { createMemoryStorage, createMemoryStore } from '@scim/server/memory';
import { storeConformanceCases, withLatency } from '@scim/server/testing';

describe('store kit: the memory storage', () => {
  for (const c of storeConformanceCases({ createStorage: () => createMemoryStorage() }))
    it(`${c.id}: ${c.name}`, c.run, 60_000);
});

describe('store kit: lone memory stores (no transaction, no outbox)', () => {
  for (const c of storeConformanceCases({
    createStorage: () => ({ stores: { User: createMemoryStore(), Group: createMemoryStore() } }),
  }))
    it(`${c.id}: ${c.name}`, c.run, 60_000);
});

/** A store of the first contract: no modifyMembers, no groupsOf, so the server falls back. */
function firstContract(store: ScimStore): ScimStore {
  return {
    get: (id, context) => store.get(id, context),
    query: (query, context) => store.query(query, context),
    create: (resource, context) => store.create(resource, context),
    replace: (resource, context) => store.replace(resource, context),
    delete: (id, context) => store.delete(id, context),
  };
}

describe('store kit: a storage without the optional membership methods', () => {
  for (const c of storeConformanceCases({
    createStorage: () => {
      const storage = createMemoryStorage();
      return {
        stores: {
          User: firstContract(storage.stores.User as ScimStore),
          Group: firstContract(storage.stores.Group as ScimStore),
        },
        transaction: storage.transaction,
        outbox: storage.outbox,
      };
    },
  }))
    it(`${c.id}: ${c.name}`, c.run, 60_000);
});

// The groups filter cases skip a store that does not declare filtersGroups, so a wrapper that lost
// the declaration would pass them silently: the declaration is checked first.
describe('store kit: the groups filter cases behind withLatency (a database round trip)', () => {
  const slowed = () => {
    const storage = createMemoryStorage();
    return {
      ...storage,
      stores: {
        User: withLatency(storage.stores.User as ScimStore, 1),
        Group: withLatency(storage.stores.Group as ScimStore, 1),
      },
    };
  };

  it('withLatency keeps filtersGroups, so groups filters are still answered (RFC 7643 §4.1.2)', () => {
    expect(createMemoryStorage().stores.User?.filtersGroups).toBe(true);
    expect(slowed().stores.User.filtersGroups).toBe(true);
    expect(withLatency(createMemoryStore(), 1).filtersGroups).toBeUndefined();
  });

  for (const c of storeConformanceCases({ createStorage: slowed }))
    if (c.id.startsWith('SK-G-')) it(`${c.id}: ${c.name}`, c.run, 60_000);
});
