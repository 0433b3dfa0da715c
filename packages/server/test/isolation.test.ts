// Isolation is proven (issue 15) on the memory storage: the kit's properties, which `@scim/sql` runs
// on its databases too.
import { describe, expect, it } from 'vitest';
import type { ScimStore, StoreContext, StoreQuery } from '@scim/server';
import { createMemoryStorage, createMemoryStore } from '@scim/server/memory';
import { expectError, U } from './helpers.js';
import { isolationKit } from './fixtures/isolation-kit.js';
import { tenantServer } from './fixtures/tenants.js';

isolationKit('memory storage', { createStorage: () => createMemoryStorage() });

describe('cursors are bound to their tenant by the server, whatever the store', () => {
  it('ISO-04: with a store that pages by offset, a cursor of one tenant is invalidCursor in another', async () => {
    const inner = createMemoryStore();
    // Hides the memory store's positions, whose stamps would refuse another tenant's cursor too.
    const byOffset: ScimStore = new Proxy(inner, {
      get(target, name, receiver) {
        if (name !== 'query') return Reflect.get(target, name, receiver) as unknown;
        return async (query: StoreQuery, context: StoreContext) => {
          const { positions: _, ...result } = await target.query(
            { ...query, cursor: undefined },
            context,
          );
          return result;
        };
      },
    });
    const { call } = tenantServer(
      { tenantFrom: 'url', authenticate: 'anonymous' },
      { stores: { User: byOffset, Group: createMemoryStore() } },
    );
    for (const tenant of ['acme', 'globex'])
      for (const userName of ['a', 'b'])
        await call(undefined, 'POST', `/scim/v2/${tenant}/Users`, { schemas: [U], userName });
    const page = await call(undefined, 'GET', '/scim/v2/acme/Users?cursor&count=1');
    const next = `Users?count=1&cursor=${String(page.body.nextCursor)}`;
    expect((await call(undefined, 'GET', `/scim/v2/acme/${next}`)).status).toBe(200);
    expectError(await call(undefined, 'GET', `/scim/v2/globex/${next}`), 400, 'invalidCursor');
  });
});
