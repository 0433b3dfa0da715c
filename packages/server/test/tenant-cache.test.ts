// The tenant cache (issue 15): `resolveTenantConfig` answers are kept for `ttlMs`, concurrent misses
// of one tenant share one call, a failing call is a 500 through the one error path and is not kept,
// an unknown tenant is 404, and at most `maxTenants` tenants' engines are kept, the one used
// longest ago going first. The clock is the handler's `now`, moved by hand.
import { describe, expect, it } from 'vitest';
import type { TenantConfig } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { expectError, U } from './helpers.js';
import { createGate, heldStore } from './async-helpers.js';
import { tenantServer } from './fixtures/tenants.js';

/** A resolver that counts its calls per tenant and answers from `configs`, which tests change. */
function countingResolver(configs: Record<string, TenantConfig | undefined>) {
  const calls: string[] = [];
  return {
    calls,
    resolve: (tenant: string) => {
      calls.push(tenant);
      return Object.hasOwn(configs, tenant) ? configs[tenant] : undefined;
    },
  };
}

/** A multi-tenant handler over a resolver, with a clock the test moves, and one token per tenant. */
function resolving(
  configs: Record<string, TenantConfig | undefined>,
  options: { ttlMs?: number; maxTenants?: number; onError?: (error: unknown) => void } = {},
) {
  let time = Date.parse('2026-03-01T12:00:00Z');
  const resolver = countingResolver(configs);
  const server = tenantServer({
    tenantFrom: 'both',
    tenants: undefined,
    resolveTenantConfig: resolver.resolve,
    now: () => new Date(time),
    tenantCache: {
      ...(options.ttlMs === undefined ? {} : { ttlMs: options.ttlMs }),
      ...(options.maxTenants === undefined ? {} : { maxTenants: options.maxTenants }),
    },
    ...(options.onError === undefined ? {} : { onError: options.onError }),
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

  it('answers 404 for an unknown tenant, and serves it as soon as it exists', async () => {
    const configs: Record<string, TenantConfig | undefined> = {};
    const { get } = resolving(configs);
    expect((await get('acme')).status).toBe(404);
    configs.acme = {};
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
