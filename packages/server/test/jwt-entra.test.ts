// Entra ID client credentials tokens (issue 15; docs/tokens.md, "Entra ID setup notes"): the
// configuration the docs give accepts app-only access tokens shaped as Entra ID issues them (RS256
// with a kid, `typ: JWT`, the tenant in `tid` and in `iss`, app roles in `roles`, the client in
// `azp` for v2 and `appid` for v1; learn.microsoft.com/entra/identity-platform/access-token-claims-reference)
// and refuses another directory's token under this directory's issuer.
import { describe, expect, it } from 'vitest';
import { jwtAuthenticator, type JwtPublicKey } from '@scim/server';
import { BASE, expectError, server, U } from './helpers.js';
import { issuerKey, type Fields } from './fixtures/jwt-issuer.js';

const CLIENT_ID = '1e2d3c4b-0000-4000-8000-00000000abcd';
const APP_ID_URI = `api://${CLIENT_ID}`;
const CONTOSO = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const FABRIKAM = 'c5d1a6f3-1111-4222-8333-444455556666';
const CALLER = '0b5e7a2c-9999-4aaa-8bbb-cccccccccccc';

async function entra() {
  const kid = 'nOo3ZDrODXEK1jKWhXslHR_KXEg';
  const key = await issuerKey({
    kid,
    alg: 'RS256',
    jwk: { kid, use: 'sig', kty: 'RSA' },
    header: { typ: 'JWT' },
    expiresIn: '1h',
  });
  // Issued and valid from the time of signing, as jose's setIssuedAt() and setNotBefore('0s') set.
  const sign = (claims: Fields) => {
    const now = Math.floor(Date.now() / 1000);
    return key.sign({ idtyp: 'app', oid: CALLER, sub: CALLER, iat: now, nbf: now, ...claims });
  };
  const v2 = (
    tid: string,
    roles: string[],
    iss = `https://login.microsoftonline.com/${tid}/v2.0`,
  ) => sign({ aud: CLIENT_ID, iss, tid, roles, azp: CALLER, ver: '2.0' });
  const v1 = (tid: string, roles: string[]) =>
    sign({ aud: APP_ID_URI, iss: `https://sts.windows.net/${tid}/`, tid, roles, appid: CALLER });
  return { jwk: key.jwk, v2, v1 };
}

/** The configuration of docs/tokens.md, v1 tokens allowed, with the key set held locally. */
function authenticatorFor(jwk: JwtPublicKey) {
  return jwtAuthenticator({
    jwks: { keys: [jwk] },
    issuer: (iss, claims) =>
      iss === `https://login.microsoftonline.com/${String(claims.tid)}/v2.0` ||
      iss === `https://sts.windows.net/${String(claims.tid)}/`,
    audience: [CLIENT_ID, APP_ID_URI],
    scopeMap: { 'SCIM.Read': 'scim:read', 'SCIM.ReadWrite': ['scim:read', 'scim:write'] },
  });
}

const request = (token: string) =>
  new Request(`${BASE}/Users`, { headers: { authorization: `Bearer ${token}` } });

describe('Entra ID client credentials tokens', () => {
  it('accepts a v2 app-only token: tid is the tenant, roles the scopes, azp the client', async () => {
    const { jwk, v2 } = await entra();
    const caller = await authenticatorFor(jwk)(request(await v2(CONTOSO, ['SCIM.ReadWrite'])));
    expect(caller.tenant).toBe(CONTOSO);
    expect(caller.scopes).toEqual(['scim:read', 'scim:write']);
    expect(caller.principal.clientId).toBe(CALLER);
  });

  it('accepts a v1 token, whose audience is the Application ID URI and client is appid', async () => {
    const { jwk, v1 } = await entra();
    const caller = await authenticatorFor(jwk)(request(await v1(CONTOSO, ['SCIM.Read'])));
    expect(caller.tenant).toBe(CONTOSO);
    expect(caller.scopes).toEqual(['scim:read']);
    expect(caller.principal.clientId).toBe(CALLER);
  });

  it('refuses a token whose iss names another directory than its tid', async () => {
    const { jwk, v2 } = await entra();
    const { call } = server({ authenticate: authenticatorFor(jwk) });
    const forged = await v2(
      FABRIKAM,
      ['SCIM.ReadWrite'],
      `https://login.microsoftonline.com/${CONTOSO}/v2.0`,
    );
    const reply = await call('GET', '/Users', undefined, { authorization: `Bearer ${forged}` });
    expectError(reply, 401);
    expect(reply.body.detail).toBe(
      'The access token comes from an issuer this endpoint does not accept',
    );
  });

  it('lets an auditing tool with SCIM.Read read, and refuses its writes with 403', async () => {
    const { jwk, v2 } = await entra();
    const { call } = server({ authenticate: authenticatorFor(jwk) });
    const headers = { authorization: `Bearer ${await v2(CONTOSO, ['SCIM.Read'])}` };
    expect((await call('GET', '/Users', undefined, headers)).status).toBe(200);
    const write = await call('POST', '/Users', { schemas: [U], userName: 'audit' }, headers);
    expectError(write, 403);
    expect(write.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", scope="scim:write"',
    );
  });
});
