// JWT access tokens (issue 15, "OAuth 2.0 client credentials as an alternative"): jwtAuthenticator
// verifies a bearer JWT with jose against the issuer's keys (RFC 9068 §4: signature, `iss`, `aud`,
// `exp`) and fails closed: every refusal is 401 `invalid_token` (RFC 6750 §3.1) with a SCIM error
// that names the rule and nothing the server holds. Keys are made in the test; clocks are fixed.
import { describe, expect, it, vi } from 'vitest';
import { SignJWT } from 'jose';
import {
  jwtAuthenticator,
  type JwtAuthenticatorOptions,
  type JwtPublicKey,
  type JwtRejection,
} from '@scim/server';
import { BASE, expectError, server, type Reply } from './helpers.js';
import {
  AUDIENCE,
  ISSUER,
  NOW,
  T0,
  issuerKey as jwtIssuerKey,
  type Alg,
} from './fixtures/jwt-issuer.js';

/** A signing key of the issuer, its public JWK, and a signer of tokens valid at T0 by default. */
const issuerKey = (kid = 'k1', alg: Alg = 'ES256') =>
  jwtIssuerKey({ kid, alg, claims: { iat: NOW, exp: NOW + 3600 }, header: { typ: 'JWT' } });

/** Configures a jwtAuthenticator for ISSUER and AUDIENCE with `options`, when called. */
const make = (options: Partial<JwtAuthenticatorOptions>) => () =>
  jwtAuthenticator({ issuer: ISSUER, audience: AUDIENCE, ...options });

/** A SCIM endpoint whose authenticate is a jwtAuthenticator over `keys`, at T0. */
function endpoint(options: Partial<JwtAuthenticatorOptions> & { keys?: JwtPublicKey[] } = {}) {
  const { keys = [], ...rest } = options;
  const rejections: JwtRejection[] = [];
  const authenticate = jwtAuthenticator({
    ...(rest.getKey === undefined && rest.secret === undefined && rest.jwksUri === undefined
      ? { jwks: { keys } }
      : {}),
    issuer: ISSUER,
    audience: AUDIENCE,
    now: () => T0,
    onRejected: (rejection) => void rejections.push(rejection),
    ...rest,
  } as JwtAuthenticatorOptions<never>);
  const { call } = server({ authenticate });
  const as = (token: string, method = 'GET', path = '/Users', body?: unknown): Promise<Reply> =>
    call(method, path, body, { authorization: `Bearer ${token}` });
  return { authenticate, as, call, rejections };
}

/** 401 `invalid_token` with a SCIM error body whose detail is `detail` (RFC 6750 §3.1). */
function expectInvalidToken(reply: Reply, detail: string): void {
  expectError(reply, 401);
  expect(reply.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  expect(reply.body.detail).toBe(detail);
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('the signature (RFC 9068 §4, RFC 7515 §5.2)', () => {
  it("accepts a token signed by the issuer's key: tenant, scopes and principal come from it", async () => {
    const key = await issuerKey();
    const { authenticate, as } = endpoint({ keys: [key.jwk] });
    const token = await key.sign({ sub: 'svc-1', azp: 'client-1', scope: 'scim:read scim:write' });
    expect((await as(token)).status).toBe(200);
    const caller = await authenticate(
      new Request(`${BASE}/Users`, { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(caller.tenant).toBe('acme');
    expect(caller.scopes).toEqual(['scim:read', 'scim:write']);
    expect(caller.principal).toMatchObject({
      issuer: ISSUER,
      subject: 'svc-1',
      clientId: 'client-1',
    });
    expect(caller.principal.claims.tid).toBe('acme');
  });

  it.each(['RS256', 'PS256', 'EdDSA'] as const)('accepts %s by default', async (alg) => {
    const key = await issuerKey('k1', alg);
    const { as } = endpoint({ keys: [key.jwk] });
    expect((await as(await key.sign({ scope: 'scim:read' }))).status).toBe(200);
  });

  it('refuses a token signed by another key under the same kid', async () => {
    const key = await issuerKey('k1');
    const forger = await issuerKey('k1');
    const { as, rejections } = endpoint({ keys: [key.jwk] });
    expectInvalidToken(await as(await forger.sign()), 'The access token signature is not valid');
    expect(rejections.map(({ code }) => code)).toEqual(['invalid_signature']);
  });

  it('refuses a token whose claims were changed after signing', async () => {
    const key = await issuerKey();
    const { as } = endpoint({ keys: [key.jwk] });
    const [header, , signature] = (await key.sign({ tid: 'acme' })).split('.');
    const forged = `${header}.${base64url({ iss: ISSUER, aud: AUDIENCE, tid: 'globex', exp: NOW + 60 })}.${signature}`;
    expectInvalidToken(await as(forged), 'The access token signature is not valid');
  });

  it('refuses a token whose kid is not in the key set', async () => {
    const key = await issuerKey('k1');
    const stranger = await issuerKey('k2');
    const { as, rejections } = endpoint({ keys: [key.jwk] });
    expectInvalidToken(
      await as(await stranger.sign()),
      'The access token is signed with a key this endpoint does not know',
    );
    expect(rejections[0]?.code).toBe('unknown_key');
  });

  it('tries each matching key for a token without kid', async () => {
    const first = await issuerKey('a');
    const second = await issuerKey('b');
    const { as } = endpoint({ keys: [first.jwk, second.jwk] });
    expect((await as(await second.sign({ scope: 'scim:read' }, { kid: undefined }))).status).toBe(
      200,
    );
  });
});

describe('algorithms (RFC 8725 §2.1, §3.1)', () => {
  it("refuses alg 'none': an unsigned token proves nothing", async () => {
    const { as, rejections } = endpoint({ keys: [(await issuerKey()).jwk] });
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ iss: ISSUER, aud: AUDIENCE, tid: 'acme', exp: NOW + 60 })}.`;
    expectInvalidToken(
      await as(unsigned),
      'The access token is signed with an algorithm this endpoint does not accept',
    );
    expect(rejections[0]?.code).toBe('algorithm_not_allowed');
  });

  it('refuses an HS256 token when the keys are public ones (algorithm confusion)', async () => {
    const key = await issuerKey();
    const { as } = endpoint({ keys: [key.jwk] });
    // The HMAC key an attacker would pick: the bytes of the public key everyone can fetch.
    const secret = new TextEncoder().encode(JSON.stringify(key.jwk));
    const token = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, tid: 'acme', exp: NOW + 60 })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .sign(secret);
    expectInvalidToken(
      await as(token),
      'The access token is signed with an algorithm this endpoint does not accept',
    );
  });

  it('refuses an algorithm left out of `algorithms`', async () => {
    const key = await issuerKey('k1', 'RS256');
    const { as } = endpoint({ keys: [key.jwk], algorithms: ['ES256'] });
    expectInvalidToken(
      await as(await key.sign()),
      'The access token is signed with an algorithm this endpoint does not accept',
    );
  });

  it('accepts HS256 with an explicit secret, and nothing else with it', async () => {
    const secret = 'a-32-byte-secret-for-hs256-tests!';
    const { as } = endpoint({ secret });
    const claims = { iss: ISSUER, aud: AUDIENCE, tid: 'acme', exp: NOW + 60, scope: 'scim:read' };
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(secret));
    expect((await as(hs)).status).toBe(200);
    const rs = await (await issuerKey('k1', 'RS256')).sign();
    expectInvalidToken(
      await as(rs),
      'The access token is signed with an algorithm this endpoint does not accept',
    );
  });

  it('refuses to be configured with none, with HS* and no secret, or with a short secret', async () => {
    const jwks = { keys: [(await issuerKey()).jwk] };
    expect(make({ jwks, algorithms: ['none' as 'RS256'] })).toThrow(/'none' is never accepted/);
    expect(make({ jwks, algorithms: ['HS256'] })).toThrow(/HS256 needs a secret/);
    expect(make({ secret: 'short' })).toThrow(/the secret is 5 bytes; HS256 needs at least 32/);
    expect(make({ secret: 'x'.repeat(32), algorithms: ['RS256'] })).toThrow(
      /HS256, HS384 or HS512 only/,
    );
  });
});

describe('claims (RFC 7519 §4.1, RFC 9068 §4)', () => {
  it('refuses another issuer', async () => {
    const key = await issuerKey();
    const { as, rejections } = endpoint({ keys: [key.jwk] });
    expectInvalidToken(
      await as(await key.sign({ iss: 'https://evil.example.com/' })),
      'The access token comes from an issuer this endpoint does not accept',
    );
    expect(rejections[0]?.code).toBe('invalid_issuer');
  });

  it('accepts any of several issuers', async () => {
    const key = await issuerKey();
    const { as } = endpoint({ keys: [key.jwk], issuer: ['https://other.example.com/', ISSUER] });
    expect((await as(await key.sign({ scope: 'scim:read' }))).status).toBe(200);
  });

  it('lets a function decide the issuer, as Entra ID puts the tenant in it', async () => {
    const key = await issuerKey();
    const { as } = endpoint({
      keys: [key.jwk],
      issuer: (iss, claims) =>
        iss === `https://login.microsoftonline.com/${String(claims.tid)}/v2.0`,
    });
    const entra = (tid: string) => `https://login.microsoftonline.com/${tid}/v2.0`;
    expect((await as(await key.sign({ iss: entra('acme'), scope: 'scim:read' }))).status).toBe(200);
    expectInvalidToken(
      await as(await key.sign({ iss: entra('globex') })),
      'The access token comes from an issuer this endpoint does not accept',
    );
  });

  it('refuses a token meant for another audience, and accepts an aud array holding ours', async () => {
    const key = await issuerKey();
    const { as } = endpoint({ keys: [key.jwk] });
    expectInvalidToken(
      await as(await key.sign({ aud: 'https://other.example.com' })),
      'The access token is not meant for this endpoint (aud)',
    );
    const both = await key.sign({
      aud: ['https://other.example.com', AUDIENCE],
      scope: 'scim:read',
    });
    expect((await as(both)).status).toBe(200);
  });

  it('refuses an expired token (RFC 7644 §7.4: bearer tokens have a limited lifetime)', async () => {
    const key = await issuerKey();
    const { as, rejections } = endpoint({ keys: [key.jwk] });
    expectInvalidToken(await as(await key.sign({ exp: NOW - 61 })), 'The access token has expired');
    expect(rejections[0]?.code).toBe('expired');
  });

  it('allows clockToleranceSeconds (default 60) of skew on exp', async () => {
    const key = await issuerKey();
    const lenient = endpoint({ keys: [key.jwk] });
    const strict = endpoint({ keys: [key.jwk], clockToleranceSeconds: 0 });
    const justExpired = await key.sign({ exp: NOW - 30, scope: 'scim:read' });
    expect((await lenient.as(justExpired)).status).toBe(200);
    expectInvalidToken(await strict.as(justExpired), 'The access token has expired');
  });

  it('refuses a token that is not valid yet (nbf), beyond the tolerance', async () => {
    const key = await issuerKey();
    const { as } = endpoint({ keys: [key.jwk] });
    expectInvalidToken(
      await as(await key.sign({ nbf: NOW + 120 })),
      'The access token is not valid yet (nbf)',
    );
    expect((await as(await key.sign({ nbf: NOW + 30, scope: 'scim:read' }))).status).toBe(200);
  });

  it('refuses a token without exp: it would never expire', async () => {
    const key = await issuerKey();
    const { as, rejections } = endpoint({ keys: [key.jwk] });
    expectInvalidToken(
      await as(await key.sign({ exp: undefined })),
      "The access token lacks the required claim 'exp'",
    );
    expect(rejections[0]?.code).toBe('missing_claim');
  });

  it('requires the typ header tokenType names (RFC 9068 §2.1: at+jwt)', async () => {
    const key = await issuerKey();
    const { as } = endpoint({ keys: [key.jwk], tokenType: 'at+jwt' });
    expectInvalidToken(
      await as(await key.sign()),
      'The token is not an access token of the type this endpoint accepts (typ)',
    );
    expect((await as(await key.sign({ scope: 'scim:read' }, { typ: 'at+jwt' }))).status).toBe(200);
  });
});

describe('failing closed (RFC 6750 §3.1)', () => {
  it('answers every refusal with a SCIM error that echoes nothing of the token or the keys', async () => {
    const key = await issuerKey('secret-kid-name');
    const { as } = endpoint({ keys: [(await issuerKey('k1')).jwk] });
    const token = await key.sign({ tid: 'acme-private' });
    const reply = await as(token);
    expectError(reply, 401);
    expect(Object.keys(reply.body).sort()).toEqual(['detail', 'schemas', 'status']);
    for (const secret of [token, 'secret-kid-name', 'acme-private', ISSUER])
      expect(reply.text).not.toContain(secret);
  });

  it('refuses a bearer token that is not a JWT when no opaqueTokens is given', async () => {
    const { as, rejections } = endpoint({ keys: [(await issuerKey()).jwk] });
    expectInvalidToken(
      await as('scim_notajwt'),
      'The bearer token is not a valid JWT access token',
    );
    expect(rejections[0]?.code).toBe('malformed');
  });

  it('asks for a bearer token, without an error code, when there is none (RFC 6750 §3.1)', async () => {
    const { call } = endpoint({ keys: [(await issuerKey()).jwk], realm: 'scim' });
    const reply = await call('GET', '/Users', undefined, { authorization: '' });
    expectError(reply, 401);
    expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="scim"');
  });

  it('answers 401 keys_unavailable when getKey fails, telling only onRejected why', async () => {
    const key = await issuerKey();
    const { as, rejections } = endpoint({
      getKey: () => Promise.reject(new Error('vault at 10.0.0.7 refused')),
    });
    const reply = await as(await key.sign());
    expectInvalidToken(reply, 'The signing keys could not be obtained; try again later');
    expect(reply.text).not.toContain('10.0.0.7');
    expect(rejections[0]?.code).toBe('keys_unavailable');
    expect(String(rejections[0]?.cause)).toContain('10.0.0.7');
  });

  it('answers 401 invalid_key when the key getKey gives cannot verify the algorithm', async () => {
    const es = await issuerKey('k1', 'ES256');
    const rs = await issuerKey('k1', 'RS256');
    const { as, rejections } = endpoint({ getKey: () => es.publicKey });
    expectInvalidToken(
      await as(await rs.sign()),
      'The access token cannot be verified with the key it names',
    );
    expect(rejections[0]?.code).toBe('invalid_key');
  });

  it('uses the key getKey finds, and refuses when it finds none', async () => {
    const key = await issuerKey();
    const { as } = endpoint({ getKey: ({ kid }) => (kid === 'k1' ? key.jwk : undefined) });
    expect((await as(await key.sign({ scope: 'scim:read' }))).status).toBe(200);
    expectInvalidToken(
      await as(await key.sign({}, { kid: 'k9' })),
      'The access token is signed with a key this endpoint does not know',
    );
  });

  it('logs only the refusals the server must fix, by default', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const key = await issuerKey();
      const authenticate = jwtAuthenticator({
        getKey: () => Promise.reject(new Error('down')),
        issuer: ISSUER,
        audience: AUDIENCE,
      });
      const { call } = server({ authenticate });
      const headers = { authorization: `Bearer ${await key.sign()}` };
      expect((await call('GET', '/Users', undefined, headers)).status).toBe(401);
      expect((await call('GET', '/Users', undefined, { authorization: 'Bearer x.y' })).status).toBe(
        401,
      );
      expect(error).toHaveBeenCalledTimes(1);
      expect(String(error.mock.calls[0]?.[0])).toContain('could not be obtained');
    } finally {
      error.mockRestore();
    }
  });

  it('answers the same 401 when onRejected throws', async () => {
    const key = await issuerKey();
    const { as } = endpoint({
      keys: [key.jwk],
      onRejected: () => {
        throw new Error('reporter down');
      },
    });
    expectInvalidToken(
      await as(await key.sign({ exp: NOW - 3600 })),
      'The access token has expired',
    );
  });

  it('refuses configurations that would accept too much', async () => {
    const jwks = { keys: [(await issuerKey()).jwk] };
    expect(make({})).toThrow(/exactly one of jwksUri, jwks, getKey and secret \(got none\)/);
    expect(make({ jwks, getKey: () => undefined })).toThrow(/got jwks, getKey/);
    expect(make({ jwks, audience: undefined as unknown as string })).toThrow(/audience must be/);
    expect(make({ jwks, issuer: [] })).toThrow(/issuer must be/);
    expect(make({ jwks, clockToleranceSeconds: -1 })).toThrow(/clockToleranceSeconds/);
    expect(make({ jwksUri: 'http://keys.example.com/jwks' })).toThrow(/must be https/);
    const privateKey = { ...(jwks.keys[0] as JwtPublicKey), d: 'x' };
    expect(make({ jwks: { keys: [privateKey] } })).toThrow(/not a public key/);
    expect(make({ jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } })).toThrow(/not a public key/);
  });
});
