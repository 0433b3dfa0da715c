// The tenant and the scopes of a JWT access token (issue 15): the tenant comes from a claim (`tid`,
// as Entra ID puts it, by default), the scopes from `scope` (RFC 9068 §2.2.3), `scp` and `roles`
// (Entra ID's app roles), mapped to SCIM_SCOPES; a token without the scope a request needs is 403
// `insufficient_scope` (RFC 6750 §3.1). Keys are made in the test; the clock is fixed.
import { describe, expect, it } from 'vitest';
import type { JWTPayload } from 'jose';
import { jwtAuthenticator, type JwtAuthenticatorOptions, type JwtRejection } from '@scim/server';
import { BASE, expectError, server, U, type Reply } from './helpers.js';
import { AUDIENCE, ISSUER, NOW, T0, issuerKey as jwtIssuerKey } from './fixtures/jwt-issuer.js';

/** The issuer's ES256 key and a signer of tokens valid at T0, with no scope claims by default. */
const issuerKey = () =>
  jwtIssuerKey({ jwk: { kid: 'k1', alg: 'ES256' }, claims: { exp: NOW + 3600 } });

/** A jwtAuthenticator over the key, and what it answers for a token. */
async function setup(options: Partial<JwtAuthenticatorOptions> = {}) {
  const key = await issuerKey();
  const rejections: JwtRejection[] = [];
  const authenticate = jwtAuthenticator({
    jwks: { keys: [key.jwk] },
    issuer: ISSUER,
    audience: AUDIENCE,
    now: () => T0,
    onRejected: (rejection) => void rejections.push(rejection),
    ...options,
  } as JwtAuthenticatorOptions<never>);
  const { call } = server({ authenticate });
  const callerOf = async (claims: JWTPayload) =>
    authenticate(
      new Request(`${BASE}/Users`, {
        headers: { authorization: `Bearer ${await key.sign(claims)}` },
      }),
    );
  const as = async (claims: JWTPayload, method = 'GET', path = '/Users', body?: unknown) =>
    call(method, path, body, { authorization: `Bearer ${await key.sign(claims)}` });
  return { key, callerOf, as, rejections };
}

function expectMissingTenant(reply: Reply): void {
  expectError(reply, 401);
  expect(reply.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  expect(reply.body.detail).toBe('The access token names no tenant');
}

describe('the tenant', () => {
  it("comes from tid by default, as Entra ID's tokens carry it", async () => {
    const { callerOf } = await setup();
    expect((await callerOf({ tid: '72f988bf-86f1-41af-91ab-2d7cd011db47' })).tenant).toBe(
      '72f988bf-86f1-41af-91ab-2d7cd011db47',
    );
  });

  it('comes from the claim tenantClaim names', async () => {
    const { callerOf } = await setup({ tenantClaim: 'org_id' });
    expect((await callerOf({ org_id: 'globex', tid: 'acme' })).tenant).toBe('globex');
  });

  it('comes from a function of the claims', async () => {
    const { callerOf } = await setup({
      tenantClaim: (claims) => (claims.org as { id?: string } | undefined)?.id,
    });
    expect((await callerOf({ org: { id: 'initech' } })).tenant).toBe('initech');
  });

  it('is required: a token without it is 401 invalid_token', async () => {
    const { as, rejections } = await setup();
    expectMissingTenant(await as({ tid: undefined, scope: 'scim:read' }));
    expect(rejections[0]?.code).toBe('missing_tenant');
  });

  it.each([[''], [42], [['acme']], [null]])('is refused when the claim is %j', async (tid) => {
    const { as } = await setup();
    expectMissingTenant(await as({ tid, scope: 'scim:read' }));
  });

  it('is refused when the function finds none', async () => {
    const { as } = await setup({ tenantClaim: () => undefined });
    expectMissingTenant(await as({ scope: 'scim:read' }));
  });
});

describe('scopes', () => {
  it('are read from a space-separated scope claim (RFC 9068 §2.2.3)', async () => {
    const { callerOf } = await setup();
    expect((await callerOf({ scope: 'openid scim:write  scim:read' })).scopes).toEqual([
      'scim:read',
      'scim:write',
    ]);
  });

  it("are read from scp, a string as Entra ID sends it or an array as Okta's", async () => {
    const { callerOf } = await setup();
    expect((await callerOf({ scp: 'scim:read' })).scopes).toEqual(['scim:read']);
    expect((await callerOf({ scp: ['scim:write'] })).scopes).toEqual(['scim:write']);
  });

  it("are read from roles, Entra ID's app roles of a client credentials token", async () => {
    const { callerOf } = await setup();
    expect((await callerOf({ roles: ['scim:read'] })).scopes).toEqual(['scim:read']);
  });

  it('map custom names to SCIM scopes with scopeMap', async () => {
    const { callerOf } = await setup({
      scopeMap: { 'SCIM.Read': 'scim:read', 'SCIM.ReadWrite': ['scim:read', 'scim:write'] },
    });
    expect((await callerOf({ roles: ['SCIM.Read'] })).scopes).toEqual(['scim:read']);
    expect((await callerOf({ roles: ['SCIM.ReadWrite'] })).scopes).toEqual([
      'scim:read',
      'scim:write',
    ]);
  });

  it('grant nothing for names nobody mapped, prototype names and look-alikes included', async () => {
    const { callerOf } = await setup();
    const caller = await callerOf({
      scope: 'constructor __proto__ SCIM:read scim:writeback',
      roles: ['toString'],
      scp: 42,
    });
    expect(caller.scopes).toEqual([]);
  });

  it('only from the claims scopeClaims names', async () => {
    const { callerOf } = await setup({ scopeClaims: ['permissions'] });
    expect(
      (await callerOf({ permissions: ['scim:write'], scope: 'scim:read', roles: ['scim:read'] }))
        .scopes,
    ).toEqual(['scim:write']);
  });

  it('are not read with scopeClaims: false, so every valid token is unrestricted', async () => {
    const { callerOf, as } = await setup({ scopeClaims: false });
    expect('scopes' in (await callerOf({ scope: 'scim:read' }))).toBe(false);
    expect((await as({}, 'POST', '/Users', { schemas: [U], userName: 'bjensen' })).status).toBe(
      201,
    );
  });

  it('refuse a scopeMap that names no SCIM scope', () => {
    const make = (scopeMap: unknown) => () =>
      jwtAuthenticator({
        jwks: { keys: [] },
        issuer: ISSUER,
        audience: AUDIENCE,
        scopeMap,
      } as JwtAuthenticatorOptions);
    expect(make({ 'SCIM.Write': 'scim:wirte' })).toThrow(/scopeMap\['SCIM.Write'\] must be/);
    expect(make({ 'two words': 'scim:read' })).toThrow(/is not a scope/);
  });
});

describe('insufficient_scope (RFC 6750 §3.1)', () => {
  it('answers a read-only JWT that POSTs with 403 and a SCIM error naming scim:write', async () => {
    const { as } = await setup({ scopeMap: { 'SCIM.Read': 'scim:read' } });
    const readOnly = { roles: ['SCIM.Read'] };
    expect((await as(readOnly)).status).toBe(200);
    const reply = await as(readOnly, 'POST', '/Users', { schemas: [U], userName: 'auditor' });
    expectError(reply, 403);
    expect(reply.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", scope="scim:write"',
    );
    expect(reply.body.detail).toBe(
      "The credential may not POST /scim/v2/Users: that needs the scope 'scim:write', and it has only scim:read",
    );
  });

  it('answers a token without any SCIM scope with 403 on a read, saying it has none', async () => {
    const { as } = await setup();
    const reply = await as({ scope: 'openid' });
    expectError(reply, 403);
    expect(reply.body.detail).toBe(
      "The credential may not GET /scim/v2/Users: that needs the scope 'scim:read', and it has no scopes",
    );
  });
});
