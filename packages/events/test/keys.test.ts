// Signing keys, the published key set and rotation by kid (RFC 7517 §5), and signSet (RFC 8417 §2.3).
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeProtectedHeader } from 'jose';
import {
  createSigningKeySet,
  exportSigningKey,
  generateSigningKey,
  importSigningKey,
  signSet,
  verifySet,
  type Jwk,
  type SetClaims,
  type SigningKey,
} from '@scim/events';

const ISSUER = 'https://scim.example.com';

function claims(jti = 'jti-1'): SetClaims {
  return {
    iss: ISSUER,
    iat: Math.floor(Date.now() / 1000),
    jti,
    txn: 'txn-1',
    sub_id: { format: 'scim', uri: '/Users/2819c223' },
    events: { 'urn:ietf:params:scim:event:prov:delete': {} },
  };
}

const verifyWith = (token: string, keys: Parameters<typeof verifySet>[1]['keys']) =>
  verifySet(token, { keys, issuer: ISSUER, audience: false, replayCache: false });

describe('signSet', () => {
  it('E-SET-02: the JOSE header carries typ "secevent+jwt", the key’s kid and its alg', async () => {
    const key = await generateSigningKey();
    const header = decodeProtectedHeader(await signSet(claims(), key));
    expect(header).toEqual({ alg: 'ES256', kid: key.kid, typ: 'secevent+jwt' });
  });

  it('E-SET-02: the protected header is written alg, kid, typ, and the payload is the claims’ JSON', async () => {
    const key = await generateSigningKey();
    const set = claims();
    const [header, payload] = (await signSet(set, key)).split('.') as [string, string];
    const text = (part: string) => Buffer.from(part, 'base64url').toString('utf8');
    expect(text(header)).toBe(`{"alg":"ES256","kid":"${key.kid}","typ":"secevent+jwt"}`);
    expect(text(payload)).toBe(JSON.stringify(set));
  });

  it('a private key of another kind than its alg names is refused, by a rejection', async () => {
    const pair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, [
      'sign',
      'verify',
    ]);
    const key: SigningKey = {
      kid: 'p384',
      alg: 'ES256',
      privateKey: pair.privateKey,
      publicJwk: { kty: 'EC' },
    };
    await expect(signSet(claims(), key)).rejects.toThrow(/is not an ES256 private key/);
  });

  it('a key whose alg is neither ES256 nor RS256 is refused when signing, by a rejection', async () => {
    const key = await generateSigningKey();
    const hs256 = { ...key, alg: 'HS256' } as unknown as SigningKey;
    await expect(signSet(claims(), hs256)).rejects.toThrow(/ES256 or RS256/);
  });

  it('ES256 is the default algorithm, and the kid is the key’s RFC 7638 thumbprint', async () => {
    const key = await generateSigningKey();
    expect(key.alg).toBe('ES256');
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('round trip: a SET signed with ES256 verifies with jose to the same claims', async () => {
    const key = await generateSigningKey();
    const set = claims();
    const result = await verifyWith(await signSet(set, key), { keys: [key.publicJwk] });
    expect(result).toEqual({
      ok: true,
      value: { claims: set, header: { alg: 'ES256', kid: key.kid, typ: 'secevent+jwt' } },
    });
  });

  it('round trip: RS256 with a 2048-bit key', async () => {
    const key = await generateSigningKey({ alg: 'RS256' });
    const result = await verifyWith(await signSet(claims(), key), { keys: [key.publicJwk] });
    expect(result.ok).toBe(true);
  });
});

describe('RS256 keys under 2048 bits are refused', () => {
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const smallJwk = small.privateKey.export({ format: 'jwk' }) as Jwk;

  it('when generating', async () => {
    await expect(generateSigningKey({ alg: 'RS256', modulusLength: 1024 })).rejects.toThrow(
      /at least 2048 bits/,
    );
  });

  it('when importing', async () => {
    await expect(importSigningKey(smallJwk, { alg: 'RS256' })).rejects.toThrow(
      /at least 2048 bits/,
    );
  });

  it('when signing with a key made by hand', async () => {
    const pair = await webcrypto.subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 1024,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      true,
      ['sign', 'verify'],
    );
    const key: SigningKey = {
      kid: 'small',
      alg: 'RS256',
      privateKey: pair.privateKey,
      publicJwk: { kty: 'RSA' },
    };
    await expect(signSet(claims(), key)).rejects.toThrow(/at least 2048 bits/);
  });
});

describe('import and export', () => {
  it('a key exported and imported again signs SETs its published key verifies, under the same kid', async () => {
    const key = await generateSigningKey();
    const stored = JSON.parse(JSON.stringify(await exportSigningKey(key))) as Jwk;
    expect(stored).toHaveProperty('d');
    const again = await importSigningKey(stored);
    expect(again.kid).toBe(key.kid);
    expect(again.publicJwk).toEqual(key.publicJwk);
    expect((await verifyWith(await signSet(claims(), again), { keys: [key.publicJwk] })).ok).toBe(
      true,
    );
  });

  it('a public JWK is refused as a signing key', async () => {
    const key = await generateSigningKey();
    await expect(importSigningKey(key.publicJwk)).rejects.toThrow(/private JWK/);
  });

  it('an algorithm other than ES256 and RS256 is refused', async () => {
    const key = await generateSigningKey();
    const stored = await exportSigningKey(key);
    await expect(importSigningKey({ ...stored, alg: 'HS256' })).rejects.toThrow(/ES256 or RS256/);
  });
});

describe('key set and rotation', () => {
  it('jwks() publishes public parts only, with kid, alg and use "sig", the active key first', async () => {
    const previous = await generateSigningKey();
    const active = await generateSigningKey({ alg: 'RS256' });
    const keys = createSigningKeySet({ active, published: [previous] });
    const { keys: published } = keys.jwks();
    expect(published.map((jwk) => jwk.kid)).toEqual([active.kid, previous.kid]);
    for (const jwk of published) {
      expect(jwk.use).toBe('sig');
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi'])
        expect(jwk).not.toHaveProperty(member);
    }
    expect(published[0]).toEqual(expect.objectContaining({ kty: 'RSA', alg: 'RS256' }));
    expect(published[1]).toEqual(
      expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256' }),
    );
  });

  it('rotate(): new SETs are signed by the new key, and a SET signed with the retired key still verifies while it is published', async () => {
    const first = await generateSigningKey();
    const keys = createSigningKeySet({ active: first });
    const old = await signSet(claims('old'), keys.active);
    const next = await keys.rotate();
    expect(keys.active.kid).toBe(next.kid);
    expect(keys.keys.map((key) => key.kid)).toEqual([next.kid, first.kid]);
    expect(decodeProtectedHeader(await signSet(claims('new'), keys.active)).kid).toBe(next.kid);
    expect((await verifyWith(old, keys)).ok).toBe(true);
  });

  it('after the retired key is removed, a SET it signed no longer verifies', async () => {
    const first = await generateSigningKey();
    const keys = createSigningKeySet({ active: first });
    const old = await signSet(claims('old'), keys.active);
    await keys.rotate();
    expect(keys.remove(first.kid)).toBe(true);
    expect(keys.jwks().keys.map((jwk) => jwk.kid)).not.toContain(first.kid);
    const result = await verifyWith(old, keys);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues[0]).toEqual(
        expect.objectContaining({ code: 'unknown_key', err: 'invalid_key' }),
      );
  });

  it('a key can be published before it signs (add), then activated', async () => {
    const keys = createSigningKeySet({ active: await generateSigningKey() });
    const next = await generateSigningKey();
    keys.add(next);
    expect(keys.jwks().keys.map((jwk) => jwk.kid)).toContain(next.kid);
    expect(keys.active.kid).not.toBe(next.kid);
    keys.activate(next.kid);
    expect(keys.active.kid).toBe(next.kid);
  });

  it('the active key cannot be removed, and a kid cannot be added twice', async () => {
    const active = await generateSigningKey();
    const keys = createSigningKeySet({ active });
    expect(() => keys.remove(active.kid)).toThrow(/active key/);
    expect(() => keys.add(active)).toThrow(/already in the set/);
    expect(() => keys.activate('nope')).toThrow(/No key/);
  });
});
