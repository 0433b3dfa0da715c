// The tenant cache (issue 15): `resolveTenantConfig` answers are kept for `ttlMs`, concurrent misses
// of one tenant share one call, a failing call is a 500 through the one error path and is not kept,
// an unknown tenant is 404 and remembered as such for the shorter `unknownTtlMs` (at most
// `maxUnknownTenants` of them), and at most `maxTenants` tenants' engines are kept, the one used
// longest ago going first. The clock is the handler's `now`, moved by hand.
import { describe, expect, it } from 'vitest';
import type { TenantConfig } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { expectError, U } from './helpers.js';
import { createGate, heldStore } from './async-helpers.js';
import { tenantServer } from './fixtures/tenants.js';

type Resolver = (tenant: string) => TenantConfig | undefined | Promise<TenantConfig | undefined>;

/**
 * A resolver that counts its calls per tenant and answers from `configs`, which tests change, or
 * with `answer` when given.
 */
function countingResolver(configs: Record<string, TenantConfig | undefined>, answer?: Resolver) {
  const calls: string[] = [];
  return {
    calls,
    resolve: (tenant: string) => {
      calls.push(tenant);
      if (answer !== undefined) return answer(tenant);
      return Object.hasOwn(configs, tenant) ? configs[tenant] : undefined;
    },
  };
}

/** A multi-tenant handler over a resolver, with a clock the test moves, and one token per tenant. */
function resolving(
  configs: Record<string, TenantConfig | undefined>,
  options: {
    ttlMs?: number;
    maxTenants?: number;
    unknownTtlMs?: number;
    maxUnknownTenants?: number;
    onError?: (error: unknown) => void;
    resolve?: Resolver;
  } = {},
) {
  let time = Date.parse('2026-03-01T12:00:00Z');
  const { onError, resolve, ...tenantCache } = options;
  const resolver = countingResolver(configs, resolve);
  const server = tenantServer({
    tenantFrom: 'both',
    tenants: undefined,
    resolveTenantConfig: resolver.resolve,
    now: () => new Date(time),
    tenantCache,
    ...(onError === undefined ? {} : { onError }),
  });
  const tokens = new Map<string, string>();
  const get = async (tenant: string, path = '/Users') => {
    let token = tokens.get(tenant);
    if (token === undefined) tokens.set(tenant, (token = await server.tokenFor(tenant)));
    return server.call(token, 'GET', `/scim/v2/${tenant}${path}`);
  };
  return { ...server, calls: resolver.calls, get, advance: (ms: number) => void (time += ms) };
}

const bulkSupported = async (reply: Promise<{ body: Record<string, unknown> }>) =>
  ((await reply).body.bulk as { supported: boolean }).supported;

describe('resolveTenantConfig and its cache', () => {
  it('asks once per tenant while the answer is fresh', async () => {
    const { get, calls } = resolving({ acme: {}, globex: {} }, { ttlMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      await get('acme');
      await get('globex');
    }
    expect(calls).toEqual(['acme', 'globex']);
  });

  it('asks again once ttlMs has passed, and serves the new configuration', async () => {
    const configs: Record<string, TenantConfig> = { acme: {} };
    const { get, calls, advance } = resolving(configs, { ttlMs: 60_000 });
    expect(await bulkSupported(get('acme', '/ServiceProviderConfig'))).toBe(true);
    configs.acme = { features: { bulk: false } };
    advance(59_999);
    expect(await bulkSupported(get('acme', '/ServiceProviderConfig'))).toBe(true);
    advance(1);
    expect(await bulkSupported(get('acme', '/ServiceProviderConfig'))).toBe(false);
    expect(calls).toEqual(['acme', 'acme']);
  });

  it('keeps the engine when the resolver answers with the same configuration object', async () => {
    const { call, tokenFor, advance } = resolving({ acme: {} }, { ttlMs: 1_000 });
    const token = await tokenFor('acme');
    const versionOf = async (userName: string) =>
      String(
        (await call(token, 'POST', '/scim/v2/acme/Users', { schemas: [U], userName })).headers.get(
          'etag',
        ),
      );
    const before = await versionOf('a');
    advance(1_000);
    // Versions are an engine's random prefix and a counter: the same engine goes on counting.
    expect((await versionOf('b')).slice(0, 13)).toBe(before.slice(0, 13));
  });

  it('calls the resolver once for concurrent requests of one tenant', async () => {
    const gate = createGate();
    let calls = 0;
    const server = tenantServer({
      tenantFrom: 'both',
      tenants: undefined,
      resolveTenantConfig: async () => {
        calls += 1;
        await gate.opened;
        return {};
      },
    });
    const token = await server.tokenFor('acme');
    const replies = Array.from({ length: 5 }, () =>
      server.call(token, 'GET', '/scim/v2/acme/Users'),
    );
    gate.open();
    expect((await Promise.all(replies)).map((reply) => reply.status)).toEqual([
      200, 200, 200, 200, 200,
    ]);
    expect(calls).toBe(1);
  });

  it('answers 500 through onError when the resolver fails, and asks again next time', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const server = tenantServer({
      tenantFrom: 'both',
      tenants: undefined,
      onError: (error) => errors.push(error),
      resolveTenantConfig: () => {
        if (fail) throw new Error('tenant database down');
        return {};
      },
    });
    const token = await server.tokenFor('acme');
    const failed = await server.call(token, 'GET', '/scim/v2/acme/Users', undefined, {
      'x-request-id': 'r-1',
    });
    expectError(failed, 500);
    expect(failed.body.detail).toMatch(/Request id: r-1/);
    expect(failed.text).not.toMatch(/database/);
    expect(String(errors[0])).toMatch(/tenant database down/);
    fail = false;
    expect((await server.call(token, 'GET', '/scim/v2/acme/Users')).status).toBe(200);
  });

  it('answers 500 for a configuration it cannot build, and does not keep it', async () => {
    const errors: unknown[] = [];
    const configs: Record<string, TenantConfig> = { acme: { compatibility: 'azure' as 'entra' } };
    const { get, calls } = resolving(configs, { onError: (error) => errors.push(error) });
    expect((await get('acme')).status).toBe(500);
    expect(String(errors[0])).toMatch(/unknown preset/);
    configs.acme = {};
    expect((await get('acme')).status).toBe(200);
    expect(calls).toEqual(['acme', 'acme']);
  });

  it('answers 404 for an unknown tenant, and serves it once it exists and unknownTtlMs has passed', async () => {
    const configs: Record<string, TenantConfig | undefined> = {};
    const { get, advance } = resolving(configs, { unknownTtlMs: 1_000 });
    expectError(await get('acme'), 404);
    configs.acme = {};
    advance(1_000);
    expect((await get('acme')).status).toBe(200);
  });

  it('keeps at most maxTenants engines, dropping the one used longest ago', async () => {
    const { get, calls } = resolving({ a: {}, b: {}, c: {} }, { maxTenants: 2 });
    for (const tenant of ['a', 'b', 'a', 'c', 'a', 'b']) await get(tenant);
    // c pushed b out (a was used after b); b came back with a call of its own.
    expect(calls).toEqual(['a', 'b', 'c', 'b']);
  });

  it('forgetTenant makes the next request resolve the tenant again', async () => {
    const { get, calls, handler } = resolving({ acme: {} });
    await get('acme');
    handler.forgetTenant('acme');
    await get('acme');
    expect(calls).toEqual(['acme', 'acme']);
  });
});

describe('unknown tenants: resolveTenantConfig answering undefined', () => {
  it('remembers an unknown tenant for unknownTtlMs: its requests meanwhile are 404 without a call', async () => {
    const { get, calls, advance } = resolving({}, { unknownTtlMs: 1_000 });
    for (let i = 0; i < 3; i++) {
      expectError(await get('nonexistent'), 404);
      advance(333);
    }
    expect(calls).toEqual(['nonexistent']);
    advance(1);
    expectError(await get('nonexistent'), 404);
    expect(calls).toEqual(['nonexistent', 'nonexistent']);
  });

  it('answers a remembered unknown tenant with the very 404 of its first request', async () => {
    const { get } = resolving({});
    const first = await get('nonexistent');
    const again = await get('nonexistent');
    expect([again.status, again.text]).toEqual([first.status, first.text]);
  });

  it('keeps an unknown tenant 5,000 ms by default', async () => {
    const { get, calls, advance } = resolving({});
    await get('nonexistent');
    advance(4_999);
    await get('nonexistent');
    expect(calls).toHaveLength(1);
    advance(1);
    await get('nonexistent');
    expect(calls).toHaveLength(2);
  });

  it('keeps an unknown tenant no longer than ttlMs by default, when that is shorter', async () => {
    const { get, calls, advance } = resolving({}, { ttlMs: 1_000 });
    await get('nonexistent');
    advance(1_000);
    await get('nonexistent');
    expect(calls).toHaveLength(2);
  });

  it('remembers no unknown tenant with unknownTtlMs: 0', async () => {
    const { get, calls } = resolving({}, { unknownTtlMs: 0 });
    await get('nonexistent');
    await get('nonexistent');
    expect(calls).toHaveLength(2);
  });

  it('calls the resolver once for concurrent requests of an unknown tenant', async () => {
    const gate = createGate();
    const { get, calls } = resolving(
      {},
      {
        resolve: async () => {
          await gate.opened;
          return undefined;
        },
      },
    );
    const replies = Array.from({ length: 5 }, () => get('nonexistent'));
    gate.open();
    expect((await Promise.all(replies)).map((reply) => reply.status)).toEqual([
      404, 404, 404, 404, 404,
    ]);
    expect(calls).toEqual(['nonexistent']);
  });

  it('answers 500 when the resolver fails, revealing nothing, and never remembers it as unknown', async () => {
    const errors: unknown[] = [];
    const answers: (() => TenantConfig | undefined)[] = [
      () => undefined,
      () => {
        throw new Error('tenant database down at 10.0.0.5');
      },
      () => ({}),
    ];
    const { get, calls, advance } = resolving(
      {},
      {
        unknownTtlMs: 1_000,
        onError: (error) => errors.push(error),
        resolve: () => answers[calls.length - 1]?.(),
      },
    );
    expectError(await get('acme'), 404);
    advance(1_000);
    const failed = await get('acme');
    expectError(failed, 500);
    expect(failed.text).not.toMatch(/database|10\.0\.0\.5/);
    expect(String(errors[0])).toMatch(/tenant database down/);
    // Asked again at once: the failure answered nothing about whether the tenant exists.
    expect((await get('acme')).status).toBe(200);
    expect(calls).toHaveLength(3);
  });

  it('remembers at most maxUnknownTenants unknown tenants, the oldest forgotten first', async () => {
    const { get, calls } = resolving({}, { maxUnknownTenants: 2 });
    for (const tenant of ['x', 'y', 'z', 'z', 'y', 'x']) await get(tenant);
    // z pushed x out; y and z were still remembered.
    expect(calls).toEqual(['x', 'y', 'z', 'x']);
  });

  it("never pushes a served tenant's engine out for unknown ones", async () => {
    const { get, calls } = resolving({ acme: {} }, { maxTenants: 1 });
    await get('acme');
    for (let i = 0; i < 10; i++) await get(`random-${i}`);
    expect((await get('acme')).status).toBe(200);
    expect(calls.filter((tenant) => tenant === 'acme')).toHaveLength(1);
  });

  it('forgetTenant drops a remembered unknown tenant: one just created is served at its next request', async () => {
    const configs: Record<string, TenantConfig | undefined> = {};
    const { get, handler } = resolving(configs, { unknownTtlMs: 60_000 });
    expectError(await get('acme'), 404);
    configs.acme = {};
    expectError(await get('acme'), 404);
    handler.forgetTenant('acme');
    expect((await get('acme')).status).toBe(200);
  });

  it.each([
    ['unknownTtlMs', -1, /unknownTtlMs must be a number of milliseconds, 0 or more/],
    ['unknownTtlMs', Number.NaN, /unknownTtlMs must be a number of milliseconds, 0 or more/],
    ['maxUnknownTenants', 0, /maxUnknownTenants must be a whole number of at least 1/],
    ['maxUnknownTenants', 1.5, /maxUnknownTenants must be a whole number of at least 1/],
  ])('refuses tenantCache.%s: %s when the handler is made', (option, value, message) => {
    expect(() => resolving({}, { [option]: value })).toThrow(message);
  });
});

describe('close()', () => {
  it('waits for the asynchronous requests every tenant accepted', async () => {
    const gate = createGate();
    const storage = createMemoryStorage();
    const server = tenantServer(
      {
        tenantFrom: 'both',
        asyncRequests: { mode: 'request' },
        stores: { ...storage.stores, User: heldStore(gate.opened) },
        transaction: undefined,
      },
      { stores: storage.stores },
    );
    const token = await server.tokenFor('acme');
    const accepted = await server.call(
      token,
      'POST',
      '/scim/v2/acme/Users',
      { schemas: [U], userName: 'b' },
      { prefer: 'respond-async' },
    );
    expect(accepted.status).toBe(202);
    let closed = false;
    const closing = server.handler.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    gate.open();
    await closing;
    expect(closed).toBe(true);
  });
});
