// forgetTenant and close reach only the tenants they name (issue 15): a load in flight for another
// tenant keeps its answer, and the requests that waited for it are served by an engine that is kept.
// A load of the forgotten tenant itself serves its waiting requests but is not kept. The cache's
// bookkeeping of loads in flight stays bounded by the loads in flight.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TenantConfig } from '@scim/server';
import { TenantCache } from '../src/lib/tenancy/tenant-cache.js';
import { createGate } from './async-helpers.js';
import { tenantServer } from './fixtures/tenants.js';

/** A resolver whose answers for `held` wait for the gate, counting calls per tenant. */
function heldResolver(held: string, gate: { opened: Promise<void> }) {
  const calls: string[] = [];
  return {
    calls,
    resolve: async (tenant: string): Promise<TenantConfig | undefined> => {
      calls.push(tenant);
      if (tenant === held) await gate.opened;
      return tenant === 'ghost' ? undefined : {};
    },
  };
}

/**
 * A tenant endpoint whose `held` tenant resolves only when the gate opens, `held`'s token, and
 * `forgetWhileHeld`: once a request sent as `held` reaches the resolver, forget `tenant`, then open
 * the gate.
 */
async function heldServer(
  held: string,
  overrides: Partial<Parameters<typeof tenantServer>[0]> = {},
) {
  const gate = createGate();
  const resolver = heldResolver(held, gate);
  const server = tenantServer({
    tenantFrom: 'both',
    tenants: undefined,
    resolveTenantConfig: resolver.resolve,
    ...overrides,
  });
  const token = await server.tokenFor(held);
  const forgetWhileHeld = async (tenant: string) => {
    await new Promise((resolve) => setImmediate(resolve));
    server.handler.forgetTenant(tenant);
    gate.open();
  };
  return { resolver, server, token, forgetWhileHeld };
}

describe('forgetTenant reaches only the tenant it names', () => {
  it("forgetTenant('globex') while acme is being resolved keeps acme's answer in the cache", async () => {
    const { resolver, server, token, forgetWhileHeld } = await heldServer('acme');
    const first = server.call(token, 'GET', '/scim/v2/acme/Users');
    await forgetWhileHeld('globex');
    expect((await first).status).toBe(200);
    expect((await server.call(token, 'GET', '/scim/v2/acme/Users')).status).toBe(200);
    // acme was neither created, changed nor deleted: its one resolution should stand.
    expect(resolver.calls.filter((tenant) => tenant === 'acme')).toHaveLength(1);
  });

  it("forgetTenant('acme') while an unknown tenant is being resolved still remembers it as unknown", async () => {
    const { resolver, server, token, forgetWhileHeld } = await heldServer('ghost', {
      tenantCache: { unknownTtlMs: 60_000 },
    });
    const first = server.call(token, 'GET', '/scim/v2/ghost/Users');
    await forgetWhileHeld('acme');
    expect((await first).status).toBe(404);
    expect((await server.call(token, 'GET', '/scim/v2/ghost/Users')).status).toBe(404);
    expect(resolver.calls.filter((tenant) => tenant === 'ghost')).toHaveLength(1);
  });

  it('a request that waited for its tenant is served by an engine that is kept, so it may respond-async', async () => {
    const { server, token, forgetWhileHeld } = await heldServer('acme', {
      asyncRequests: { mode: 'request' },
    });
    const accepted = server.call(
      token,
      'POST',
      '/scim/v2/acme/Users',
      { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'waited' },
      { prefer: 'respond-async' },
    );
    await forgetWhileHeld('globex');
    // Without the unrelated forgetTenant this is 202; with it the engine is retired before use.
    expect((await accepted).status).toBe(202);
  });

  it("forgetTenant('acme') while acme is being resolved serves the waiting request, then resolves acme again", async () => {
    const { resolver, server, token, forgetWhileHeld } = await heldServer('acme');
    const first = server.call(token, 'GET', '/scim/v2/acme/Users');
    await forgetWhileHeld('acme');
    expect((await first).status).toBe(200);
    expect((await server.call(token, 'GET', '/scim/v2/acme/Users')).status).toBe(200);
    // The answer begun before forgetTenant may be stale: it is not kept.
    expect(resolver.calls.filter((tenant) => tenant === 'acme')).toHaveLength(2);
  });
});

/** A TenantCache whose loads wait until the test settles them, in any order. */
function manualCache() {
  const waiting: { tenant: string; value: string; settle: () => void }[] = [];
  const evicted: string[] = [];
  let loads = 0;
  const cache = new TenantCache<string>({
    maxEntries: 100,
    ttlMs: Infinity,
    unknownTtlMs: 0,
    maxUnknown: 10,
    now: () => 0,
    evicted: (value) => void evicted.push(value),
    load: (tenant) =>
      new Promise((resolve) => {
        const value = `${tenant}#${(loads += 1)}`;
        waiting.push({ tenant, value, settle: () => resolve(value) });
      }),
  });
  return { cache, waiting, evicted };
}

describe('the tenant cache, on its own', () => {
  it('keeps a load begun before forget(tenant) only for the tenants forget did not name', async () => {
    const tenants = ['acme', 'globex', 'initech'] as const;
    const step = fc.oneof(
      fc.record({ op: fc.constant('get' as const), tenant: fc.constantFrom(...tenants) }),
      fc.record({ op: fc.constant('forget' as const), tenant: fc.constantFrom(...tenants) }),
      fc.record({ op: fc.constant('settle' as const), index: fc.nat() }),
      fc.constant({ op: 'clear' as const }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
        const { cache, waiting, evicted } = manualCache();
        // Which tenants were forgotten (or cleared) since each load in flight began.
        const stale = new Map<(typeof waiting)[number], boolean>();
        const settle = async (index: number) => {
          const [load] = waiting.splice(index % waiting.length, 1);
          if (load === undefined) return;
          load.settle();
          await new Promise((resolve) => setImmediate(resolve));
          // A stale answer is not kept (a newer load's may be); a fresh one is.
          const held = cache.peek(load.tenant);
          if (stale.get(load) === true) {
            expect(held).not.toBe(load.value);
            expect(evicted).toContain(load.value);
          } else expect(held).toBe(load.value);
        };
        for (const step of steps) {
          if (step.op === 'get') {
            const before = waiting.length;
            void cache.get(step.tenant);
            const started = waiting[before];
            if (started !== undefined) stale.set(started, false);
          } else if (step.op === 'forget') {
            cache.forget(step.tenant);
            for (const load of waiting) if (load.tenant === step.tenant) stale.set(load, true);
          } else if (step.op === 'clear') {
            cache.clear();
            for (const load of waiting) stale.set(load, true);
          } else if (waiting.length > 0) await settle(step.index);
          expect(cache.pending).toBeLessThanOrEqual(waiting.length);
        }
        while (waiting.length > 0) await settle(0);
        // Nothing is held for loads that are over, however many tenants came and went.
        expect(cache.pending).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('holds nothing for a load that failed', async () => {
    const cache = new TenantCache<string>({
      maxEntries: 10,
      ttlMs: Infinity,
      unknownTtlMs: 0,
      maxUnknown: 10,
      now: () => 0,
      evicted: () => undefined,
      load: () => Promise.reject(new Error('resolver down')),
    });
    await expect(cache.get('acme')).rejects.toThrow('resolver down');
    expect(cache.pending).toBe(0);
  });
});
