// Finding the tenant (issue 15): from the URL, from the credential, or from both. The tenant is found
// before anything else, discovery included; a credential that names another tenant than the URL is
// answered exactly as a tenant that does not exist, so a valid token of one tenant cannot learn
// whether another exists; and every store call carries the tenant that was found.
import { describe, expect, it } from 'vitest';
import type { ScimStore, StoreContext } from '@scim/server';
import { createMemoryStorage, createMemoryStore } from '@scim/server/memory';
import { ERR, U, type Reply } from './helpers.js';
import { headerLines, ORIGIN, tenantServer } from './fixtures/tenants.js';

const user = (userName: string) => ({ schemas: [U], userName });
/** Sent with both requests compared, so the responses' X-Request-Id agree too. */
const SAME_ID = { 'x-request-id': 'probe-1' };

function expectSameBytes(a: Reply, b: Reply): void {
  expect(a.status).toBe(b.status);
  expect(headerLines(a)).toEqual(headerLines(b));
  expect(a.text).toBe(b.text);
}

describe("the tenant from the URL (tenantFrom: 'url')", () => {
  it('serves each tenant under /scim/v2/{tenant}, with its own data', async () => {
    const { call, tokenFor } = tenantServer({ tenantFrom: 'url' });
    const acme = await tokenFor('acme');
    const globex = await tokenFor('globex');
    await call(acme, 'POST', '/scim/v2/acme/Users', user('bjensen'));
    expect((await call(acme, 'GET', '/scim/v2/acme/Users')).body.totalResults).toBe(1);
    expect((await call(globex, 'GET', '/scim/v2/globex/Users')).body.totalResults).toBe(0);
  });

  it('puts the tenant path in Location and meta.location', async () => {
    const { call, tokenFor } = tenantServer({ tenantFrom: 'url' });
    const created = await call(await tokenFor('acme'), 'POST', '/scim/v2/acme/Users', user('b'));
    const location = `${ORIGIN}/scim/v2/acme/Users/${String(created.body.id)}`;
    expect(created.headers.get('location')).toBe(location);
    expect((created.body.meta as { location: string }).location).toBe(location);
  });

  it('answers a tenant that does not exist with the 404 of a path that names no endpoint', async () => {
    const { call, tokenFor } = tenantServer({ tenantFrom: 'url' });
    const reply = await call(await tokenFor('acme'), 'GET', '/scim/v2/initech/Users');
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({
      schemas: [ERR],
      status: '404',
      detail: 'No endpoint /scim/v2/initech/Users',
    });
  });

  it('answers a valid token of another tenant byte for byte as if the tenant did not exist', async () => {
    const withAcme = tenantServer({ tenantFrom: 'url' });
    const withoutAcme = tenantServer({ tenantFrom: 'url', tenants: { globex: {} } });
    const probe = async (server: typeof withAcme) =>
      server.call(
        await server.tokenFor('globex'),
        'GET',
        '/scim/v2/acme/Users',
        undefined,
        SAME_ID,
      );
    const mismatch = await probe(withAcme);
    expect(mismatch.status).toBe(404);
    expectSameBytes(mismatch, await probe(withoutAcme));
  });

  it("acts in the URL's tenant for a credential that names none (a tenant's own authenticate)", async () => {
    const contexts: (string | undefined)[] = [];
    const storage = createMemoryStorage();
    const { call } = tenantServer(
      {
        tenantFrom: 'url',
        stores: { ...storage.stores, User: recording(storage.stores.User as ScimStore, contexts) },
        tenants: { acme: { authenticate: () => ({ principal: 'acme-idp' }) }, globex: {} },
      },
      storage,
    );
    expect((await call(undefined, 'POST', '/scim/v2/acme/Users', user('b'))).status).toBe(201);
    expect(new Set(contexts)).toEqual(new Set(['acme']));
  });

  it("acts in the URL's tenant for anonymous access", async () => {
    const contexts: (string | undefined)[] = [];
    const { call } = tenantServer({
      tenantFrom: 'url',
      authenticate: 'anonymous',
      stores: { User: recording(createMemoryStore(), contexts), Group: createMemoryStore() },
    });
    await call(undefined, 'GET', '/scim/v2/globex/Users');
    expect(contexts).toEqual(['globex']);
  });

  it('takes a prefix of the application’s choosing, and a baseUrl with {tenant}', async () => {
    const { call, tokenFor } = tenantServer({
      tenantFrom: 'url',
      basePath: '/t/{tenant}/scim',
      baseUrl: 'https://scim.example.com/t/{tenant}/scim',
    });
    const created = await call(await tokenFor('acme'), 'POST', '/t/acme/scim/Users', user('b'));
    expect(created.headers.get('location')).toBe(
      `https://scim.example.com/t/acme/scim/Users/${String(created.body.id)}`,
    );
    expect((await call(await tokenFor('acme'), 'GET', '/t/acme/other/Users')).status).toBe(404);
  });

  it('knows each tenant by one spelling of its path segment', async () => {
    const { call, tokenFor } = tenantServer({ tenantFrom: 'url' });
    const reply = await call(await tokenFor('acme'), 'GET', '/scim/v2/%61cme/Users');
    expect(reply.status).toBe(404);
  });
});

describe("the tenant from the URL and the credential (tenantFrom: 'both')", () => {
  it('answers a valid token of another tenant byte for byte as if the tenant did not exist', async () => {
    const withAcme = tenantServer({ tenantFrom: 'both' });
    const withoutAcme = tenantServer({ tenantFrom: 'both', tenants: { globex: {} } });
    for (const path of ['/scim/v2/acme/Users', '/scim/v2/acme/ServiceProviderConfig']) {
      const probe = async (server: typeof withAcme) =>
        server.call(await server.tokenFor('globex'), 'GET', path, undefined, SAME_ID);
      const mismatch = await probe(withAcme);
      expect(mismatch.body).toEqual({
        schemas: [ERR],
        status: '404',
        detail: `No endpoint ${path}`,
      });
      expectSameBytes(mismatch, await probe(withoutAcme));
    }
  });

  it('asks for credentials before it says whether a tenant exists', async () => {
    const { call } = tenantServer({ tenantFrom: 'both' });
    const known = await call(undefined, 'GET', '/scim/v2/acme/Schemas', undefined, SAME_ID);
    const unknown = await call(undefined, 'GET', '/scim/v2/initech/Schemas', undefined, SAME_ID);
    expect(known.status).toBe(401);
    expect(known.text.replace('acme', 'initech')).toBe(unknown.text);
  });

  it("serves the tenant's discovery to its own token", async () => {
    const { call, tokenFor } = tenantServer({ tenantFrom: 'both' });
    const reply = await call(await tokenFor('acme'), 'GET', '/scim/v2/acme/ServiceProviderConfig');
    expect(reply.status).toBe(200);
    expect((reply.body.meta as { location: string }).location).toBe(
      `${ORIGIN}/scim/v2/acme/ServiceProviderConfig`,
    );
  });

  it("still applies the token's scopes", async () => {
    const { call, tokenFor } = tenantServer({ tenantFrom: 'both' });
    const reader = await tokenFor('acme', ['scim:read']);
    expect((await call(reader, 'GET', '/scim/v2/acme/Users')).status).toBe(200);
    expect((await call(reader, 'POST', '/scim/v2/acme/Users', user('b'))).status).toBe(403);
  });
});

describe("the tenant from the credential (tenantFrom: 'credential')", () => {
  it('serves each token its own tenant at the same path', async () => {
    const { call, tokenFor } = tenantServer({ tenantFrom: 'credential' });
    const acme = await tokenFor('acme');
    const created = await call(acme, 'POST', '/scim/v2/Users', user('bjensen'));
    expect(created.headers.get('location')).toBe(
      `${ORIGIN}/scim/v2/Users/${String(created.body.id)}`,
    );
    expect((await call(acme, 'GET', '/scim/v2/Users')).body.totalResults).toBe(1);
    const globex = await tokenFor('globex');
    expect((await call(globex, 'GET', '/scim/v2/Users')).body.totalResults).toBe(0);
  });

  it('authenticates discovery, which describes the caller’s tenant', async () => {
    const { call, tokenFor } = tenantServer({
      tenantFrom: 'credential',
      tenants: { acme: { features: { bulk: false } }, globex: {} },
    });
    expect((await call(undefined, 'GET', '/scim/v2/ServiceProviderConfig')).status).toBe(401);
    const bulkOf = async (tenant: string) =>
      (await call(await tokenFor(tenant), 'GET', '/scim/v2/ServiceProviderConfig')).body.bulk;
    expect(await bulkOf('acme')).toMatchObject({ supported: false });
    expect(await bulkOf('globex')).toMatchObject({ supported: true });
  });

  it('answers a token whose tenant has no configuration 404', async () => {
    const { call, tokenFor } = tenantServer({ tenantFrom: 'credential' });
    const reply = await call(await tokenFor('initech'), 'GET', '/scim/v2/Users');
    expect(reply.status).toBe(404);
  });

  it('fails with 500 through onError when authenticate names no tenant', async () => {
    const errors: unknown[] = [];
    const { call } = tenantServer({
      tenantFrom: 'credential',
      authenticate: () => ({ principal: 'someone' }),
      onError: (error) => errors.push(error),
    });
    expect((await call(undefined, 'GET', '/scim/v2/Users')).status).toBe(500);
    expect(String(errors[0])).toMatch(/no tenant/);
  });
});

describe('the log record', () => {
  it('names the tenant that was found', async () => {
    const tenants: (string | undefined)[] = [];
    const { call, tokenFor } = tenantServer({
      tenantFrom: 'url',
      tenants: { acme: { authenticate: () => ({ principal: 'p' }) }, globex: {} },
      log: (record) => void tenants.push(record.tenant),
    });
    await call(await tokenFor('globex'), 'GET', '/scim/v2/acme/Users');
    expect(tenants).toEqual(['acme']);
  });
});

/** A store that records the tenant of every call's context. */
function recording(store: ScimStore, tenants: (string | undefined)[]): ScimStore {
  return new Proxy(store, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const context = args.find(
          (arg): arg is StoreContext =>
            typeof arg === 'object' && arg !== null && 'resourceType' in arg,
        );
        if (context !== undefined) tenants.push(context.tenant);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
