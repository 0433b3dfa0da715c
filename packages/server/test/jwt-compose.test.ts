// JWT access tokens beside issued tokens, and across tenants (issue 15): `opaqueTokens` lets one
// endpoint take both, a JWT never costing a token store lookup; and createMultiTenantHandler takes
// the tenant from the JWT's claim, answering a JWT of tenant A on tenant B's path with the 404 of a
// path that names no endpoint, as it answers every mismatch (RFC 7644 §6, P-SEC-07 "tenants are
// isolated").
import { describe, expect, it } from 'vitest';
import {
  createMemoryTokenStore,
  createTokenManager,
  jwtAuthenticator,
  tokenAuthenticator,
  type TokenStore,
} from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { ERR, expectError, server, U, type Reply } from './helpers.js';
import { tenantServer } from './fixtures/tenants.js';
import { AUDIENCE, ISSUER, issuerKey as jwtIssuerKey } from './fixtures/jwt-issuer.js';

const issuerKey = () =>
  jwtIssuerKey({
    jwk: { kid: 'k1', alg: 'ES256' },
    claims: { scope: 'scim:read scim:write' },
    expiresIn: '1h',
  });

/** A token store that counts its lookups, over the memory store. */
function countingStore(inner: TokenStore = createMemoryTokenStore()) {
  const counts = { findByHash: 0 };
  const store: TokenStore = {
    ...inner,
    insert: (record) => inner.insert(record),
    get: (id) => inner.get(id),
    list: (tenant) => inner.list(tenant),
    revoke: (id, at) => inner.revoke(id, at),
    expire: (id, at) => inner.expire(id, at),
    touch: (id, at) => inner.touch(id, at),
    findByHash: (digest) => {
      counts.findByHash += 1;
      return inner.findByHash(digest);
    },
  };
  return { store, counts };
}

async function both() {
  const key = await issuerKey();
  const { store, counts } = countingStore();
  const tokens = createTokenManager({ store });
  const { call } = server({
    authenticate: jwtAuthenticator({
      jwks: { keys: [key.jwk] },
      issuer: ISSUER,
      audience: AUDIENCE,
      opaqueTokens: tokenAuthenticator({ store }),
      onRejected: () => undefined,
    }),
  });
  const as = (token: string, method = 'GET', body?: unknown): Promise<Reply> =>
    call(method, '/Users', body, { authorization: `Bearer ${token}` });
  return { key, tokens, counts, as, call };
}

describe('opaqueTokens: JWTs and issued tokens on one endpoint', () => {
  it('accepts an issued token, with its tenant and scopes', async () => {
    const { tokens, as } = await both();
    const { token } = await tokens.issue({ tenant: 'acme', label: 'okta', scopes: ['scim:read'] });
    expect((await as(token)).status).toBe(200);
    expectError(await as(token, 'POST', { schemas: [U], userName: 'x' }), 403);
  });

  it('accepts a JWT without looking it up in the token store', async () => {
    const { key, counts, as } = await both();
    expect((await as(await key.sign())).status).toBe(200);
    expect(counts.findByHash).toBe(0);
  });

  it('refuses a bad JWT by the JWT rules, still without a store lookup', async () => {
    const { key, counts, as } = await both();
    const reply = await as(await key.sign({ aud: 'https://other.example.com' }));
    expectError(reply, 401);
    expect(reply.body.detail).toBe('The access token is not meant for this endpoint (aud)');
    expect(counts.findByHash).toBe(0);
  });

  it('takes a token with dots whose first part is no JOSE header for an opaque one', async () => {
    const { counts, as } = await both();
    const reply = await as('abc.def.ghi');
    expectError(reply, 401);
    expect(reply.body.detail).toBe('The bearer token is not valid');
    expect(counts.findByHash).toBe(1);
  });

  it('answers a request without a token with the bare challenge (RFC 6750 §3.1)', async () => {
    const { call } = await both();
    const reply = await call('GET', '/Users', undefined, { authorization: '' });
    expectError(reply, 401);
    expect(reply.headers.get('www-authenticate')).toBe('Bearer');
  });
});

describe('createMultiTenantHandler with the tenant from the JWT', () => {
  async function tenants(tenantFrom: 'both' | 'credential') {
    const key = await issuerKey();
    const storage = createMemoryStorage();
    const authenticate = jwtAuthenticator({
      jwks: { keys: [key.jwk] },
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const { call } = tenantServer(
      tenantFrom === 'credential'
        ? { tenantFrom, authenticate, basePath: '/scim/v2' }
        : { tenantFrom, authenticate },
      storage,
    );
    return { key, call };
  }
  const user = (userName: string) => ({ schemas: [U], userName });

  it("serves a JWT's tenant at its own path", async () => {
    const { key, call } = await tenants('both');
    const acme = await key.sign({ tid: 'acme' });
    expect((await call(acme, 'POST', '/scim/v2/acme/Users', user('bjensen'))).status).toBe(201);
    expect((await call(acme, 'GET', '/scim/v2/acme/Users')).body.totalResults).toBe(1);
  });

  it("answers a JWT of tenant acme on globex's path with 404, as a tenant that does not exist", async () => {
    const { key, call } = await tenants('both');
    const acme = await key.sign({ tid: 'acme' });
    const mismatch = await call(acme, 'GET', '/scim/v2/globex/Users');
    const unknown = await call(acme, 'GET', '/scim/v2/initech/Users');
    expect(mismatch.status).toBe(404);
    expect(mismatch.body).toEqual({
      schemas: [ERR],
      status: '404',
      detail: 'No endpoint /scim/v2/globex/Users',
    });
    expect(unknown.status).toBe(404);
  });

  it("routes by the JWT's tenant alone with tenantFrom: 'credential', keeping tenants apart", async () => {
    const { key, call } = await tenants('credential');
    const acme = await key.sign({ tid: 'acme' });
    const globex = await key.sign({ tid: 'globex' });
    expect((await call(acme, 'POST', '/scim/v2/Users', user('bjensen'))).status).toBe(201);
    expect((await call(acme, 'GET', '/scim/v2/Users')).body.totalResults).toBe(1);
    expect((await call(globex, 'GET', '/scim/v2/Users')).body.totalResults).toBe(0);
  });

  it('answers a JWT whose tenant is not configured with 404', async () => {
    const { key, call } = await tenants('credential');
    const reply = await call(await key.sign({ tid: 'initech' }), 'GET', '/scim/v2/Users');
    expect(reply.status).toBe(404);
  });
});
