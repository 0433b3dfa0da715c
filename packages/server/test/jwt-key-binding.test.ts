// Which key may verify a token (issue 15): a key binds its own algorithm and use whoever supplies
// it, a `jwks` set or `getKey` (RFC 8725 §3.1), and `getKey` gives public keys only, as a set must.
// For a token without `kid` that several keys of a set match, a key that cannot verify at all is
// passed over, so the order of the set changes no answer.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { jwtAuthenticator, type JwtPublicKey, type JwtRejection } from '@scim/server';
import { AUDIENCE, ISSUER, NOW, T0, issuerKey, type Fields } from './fixtures/jwt-issuer.js';

function request(token: string): Request {
  return new Request('https://scim.example.com/scim/v2/Users', {
    headers: { authorization: `Bearer ${token}` },
  });
}

async function outcome(
  authenticate: (request: Request) => Promise<unknown>,
  token: string,
): Promise<'accepted' | number> {
  try {
    await authenticate(request(token));
    return 'accepted';
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}

const claims = { iss: ISSUER, aud: AUDIENCE, tid: 'acme', iat: NOW, exp: NOW + 3600 };

/** An authenticator over `source` at T0 that records its refusals. */
function recording(source: { getKey: () => unknown } | { jwks: { keys: JwtPublicKey[] } }) {
  const rejections: JwtRejection[] = [];
  const authenticate = jwtAuthenticator({
    ...(source as { jwks: { keys: JwtPublicKey[] } }),
    algorithms: ['RS256', 'PS256', 'ES256'],
    issuer: ISSUER,
    audience: AUDIENCE,
    now: () => T0,
    onRejected: (r) => void rejections.push(r),
  });
  return { authenticate, rejections };
}

/** A signing key, its public and private JWKs, and a signer of tokens valid at T0 unless told. */
async function rsaKey(alg: 'RS256' | 'ES256' = 'RS256') {
  const key = await issuerKey({ alg, jwk: {}, claims, header: { kid: undefined } });
  const privateJwk = (await exportJWK(key.privateKey)) as JwtPublicKey;
  return { ...key, privateJwk, sign: (extra: Fields = {}) => key.sign(extra) };
}

/** A 1024-bit RSA public key: a JWK jose imports, but refuses to verify with. */
function weakJwk(): JwtPublicKey {
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
  return weak.publicKey.export({ format: 'jwk' });
}

describe('a key binds its algorithm and use, whoever supplies it (RFC 8725 §3.1)', () => {
  it("refuses a PS256 token when getKey's JWK says alg RS256", async () => {
    const { privateKey, publicKey } = await generateKeyPair('PS256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const rejections: JwtRejection[] = [];
    const authenticate = jwtAuthenticator({
      getKey: () => jwk as JwtPublicKey,
      algorithms: ['RS256', 'PS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => T0,
      onRejected: (r) => void rejections.push(r),
    });
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'PS256', kid: 'k1' })
      .sign(privateKey);
    // The same JWK in a `jwks` set is refused (jose matches alg); getKey's must be too.
    const viaSet = jwtAuthenticator({
      jwks: { keys: [jwk as JwtPublicKey] },
      algorithms: ['RS256', 'PS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => T0,
      onRejected: () => {},
    });
    expect(await outcome(viaSet, token)).toBe(401);
    expect(await outcome(authenticate, token)).toBe(401);
    expect(rejections.map((r) => r.code)).toEqual(['unknown_key']);
  });
});

describe('several keys of a set match a token without kid', () => {
  it('accepts a token of the good key even when another matching key of the set is unusable', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const weakJwk = weak.publicKey.export({ format: 'jwk' }) as JwtPublicKey;
    const goodJwk = (await exportJWK(publicKey)) as JwtPublicKey;
    const authenticate = jwtAuthenticator({
      jwks: { keys: [weakJwk, goodJwk] },
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => T0,
      onRejected: () => {},
    });
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    // The control: with the good key first, the same token is accepted; only the order differs.
    const goodFirst = jwtAuthenticator({
      jwks: { keys: [goodJwk, weakJwk] },
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => T0,
      onRejected: () => {},
    });
    expect(await outcome(goodFirst, token)).toBe('accepted');
    expect(await outcome(authenticate, token)).toBe('accepted');
  });

  it('refuses with invalid_key when every matching key is unusable', async () => {
    const key = await rsaKey();
    const { authenticate, rejections } = recording({ jwks: { keys: [weakJwk(), weakJwk()] } });
    expect(await outcome(authenticate, await key.sign())).toBe(401);
    expect(rejections.map((r) => r.code)).toEqual(['invalid_key']);
  });

  it('refuses with invalid_signature when no usable key verifies it, an unusable one among them', async () => {
    const key = await rsaKey();
    const other = await rsaKey();
    const { authenticate, rejections } = recording({ jwks: { keys: [weakJwk(), other.jwk] } });
    expect(await outcome(authenticate, await key.sign())).toBe(401);
    expect(rejections.map((r) => r.code)).toEqual(['invalid_signature']);
  });

  it('stops at the key that verifies the signature when a claim fails (exp)', async () => {
    const key = await rsaKey();
    const { authenticate, rejections } = recording({ jwks: { keys: [weakJwk(), key.jwk] } });
    expect(await outcome(authenticate, await key.sign({ exp: NOW - 3600 }))).toBe(401);
    expect(rejections.map((r) => r.code)).toEqual(['expired']);
  });
});

describe('getKey gives keys as a jwks set holds them', () => {
  it("accepts a token whose alg is the JWK's own", async () => {
    const key = await rsaKey();
    const { authenticate } = recording({
      getKey: () => ({ ...key.jwk, alg: 'RS256', use: 'sig' }),
    });
    expect(await outcome(authenticate, await key.sign())).toBe('accepted');
  });

  it("refuses with unknown_key a JWK whose use is not 'sig' (RFC 7517 §4.2)", async () => {
    const key = await rsaKey();
    const { authenticate, rejections } = recording({ getKey: () => ({ ...key.jwk, use: 'enc' }) });
    expect(await outcome(authenticate, await key.sign())).toBe(401);
    expect(rejections.map((r) => r.code)).toEqual(['unknown_key']);
  });

  it('refuses with unknown_key a JWK whose key_ops leave out verify (RFC 7517 §4.3)', async () => {
    const key = await rsaKey();
    const { authenticate, rejections } = recording({
      getKey: () => ({ ...key.jwk, key_ops: ['encrypt'] }),
    });
    expect(await outcome(authenticate, await key.sign())).toBe(401);
    expect(rejections.map((r) => r.code)).toEqual(['unknown_key']);
  });

  it('refuses with invalid_key a private JWK, a symmetric one and a private CryptoKey', async () => {
    const key = await rsaKey();
    const token = await key.sign();
    for (const given of [
      key.privateJwk,
      { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA' },
      key.privateKey,
    ]) {
      const { authenticate, rejections } = recording({ getKey: () => given });
      expect(await outcome(authenticate, token)).toBe(401);
      expect(rejections.map((r) => r.code)).toEqual(['invalid_key']);
      // Refused as given, before jose is asked to verify with it: the operator is told why.
      expect(String(rejections[0]?.cause)).toMatch(/not a public key/);
    }
  });
});
