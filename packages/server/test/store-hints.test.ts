// The projection hint a store receives (StoreContext.attributes) never costs the server the
// attributes it still has to read itself (issue 12).
import { describe, expect, it } from 'vitest';
import type { ScimResource } from '@scim/core';
import type { ScimStore, StoreQueryResult } from '@scim/server';
import { createMemoryStore } from '@scim/server/memory';
import { G, server } from './helpers.js';

/**
 * A store that honours the hint (it leaves excluded attributes out) but filters nothing itself,
 * leaving the filter and the sort to the server, as the contract allows.
 */
function hintedStore(): ScimStore {
  const inner = createMemoryStore();
  const spare = (resource: ScimResource, exclude: readonly string[] = []): ScimResource =>
    Object.fromEntries(
      Object.entries(resource).filter(
        ([name]) => !exclude.some((excluded) => excluded.toLowerCase() === name.toLowerCase()),
      ),
    ) as ScimResource;
  return {
    get: inner.get.bind(inner),
    create: inner.create.bind(inner),
    replace: inner.replace.bind(inner),
    delete: inner.delete.bind(inner),
    async query(query, context): Promise<StoreQueryResult> {
      const all = await inner.query(
        { ...query, filter: undefined, bound: undefined, sort: undefined, cursor: undefined },
        context,
      );
      return {
        resources: all.resources.map((resource) => spare(resource, context.attributes?.exclude)),
        applied: { filter: false, sort: false, page: false },
      };
    },
  };
}

describe('the store projection hint (issue 12)', () => {
  it('excludedAttributes naming the filtered attribute still finds the match when the server filters', async () => {
    const { call } = server({ stores: { User: createMemoryStore(), Group: hintedStore() } });
    for (const displayName of ['admins', 'guests'])
      expect((await call('POST', '/Groups', { schemas: [G], displayName })).status).toBe(201);
    const plain = await call('GET', '/Groups?filter=displayName eq "admins"');
    expect(plain.body.totalResults).toBe(1);
    const spared = await call(
      'GET',
      '/Groups?filter=displayName eq "admins"&excludedAttributes=displayName',
    );
    expect(spared.body.totalResults).toBe(1);
    expect(spared.body.Resources?.[0]?.displayName).toBeUndefined();
  });

  it('excludedAttributes naming the sort attribute still sorts when the server sorts', async () => {
    const { call } = server({ stores: { User: createMemoryStore(), Group: hintedStore() } });
    for (const displayName of ['b', 'c', 'a'])
      await call('POST', '/Groups', { schemas: [G], displayName });
    const sorted = await call('GET', '/Groups?sortBy=displayName');
    const ids = (sorted.body.Resources ?? []).map((group) => group.id);
    const spared = await call('GET', '/Groups?sortBy=displayName&excludedAttributes=displayName');
    expect((spared.body.Resources ?? []).map((group) => group.id)).toEqual(ids);
  });
});
