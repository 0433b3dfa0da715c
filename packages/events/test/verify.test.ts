// verifySet: signature, typ, iss, aud, iat, the required claims and jti replay (RFC 8417 §2,
// RFC 9967 §5), each refusal an issue with its RFC 8935 error code.
import { createServer } from 'node:http';
import { createSign, generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import {
  createMemoryReplayCache,
  createRemoteJwks,
  createSigningKeySet,
  generateSigningKey,
  signSet,
  verifySet,
  type JsonWebKeySet,
  type Jwk,
  type SetClaims,
  type SetVerifyOptions,
  type SigningKey,
  type SigningKeySet,
} from '@scim/events';

const ISSUER = 'https://scim.example.com';
const AUDIENCE = 'https://receiver.example.com';
const NOW = new Date('2026-12-03T10:00:00.000Z');
const NOW_S = NOW.getTime() / 1000;

let key: SigningKey;
let keys: SigningKeySet;

beforeAll(async () => {
  key = await generateSigningKey();
  keys = createSigningKeySet({ active: key });
});

function claims(extra: Record<string, unknown> = {}): SetClaims {
  return {
    iss: ISSUER,
    iat: NOW_S,
    jti: `jti-${Math.random()}`,
    aud: AUDIENCE,
    txn: 'txn-1',
    sub_id: { format: 'scim', uri: '/Users/2819c223' },
    events: { 'urn:ietf:params:scim:event:prov:delete': {} },
    ...extra,
  };
}

function options(extra: Partial<SetVerifyOptions> = {}): SetVerifyOptions {
  return { keys, issuer: ISSUER, audience: AUDIENCE, replayCache: false, now: () => NOW, ...extra };
}

async function issuesOf(token: string, extra: Partial<SetVerifyOptions> = {}) {
  const result = await verifySet(token, options(extra));
  return result.ok ? [] : result.issues;
}

describe('accepted', () => {
  it('a SET signed by a published key, with the expected iss and aud, verifies', async () => {
    const set = claims();
    const result = await verifySet(await signSet(set, key), options());
    expect(result.ok && result.value.claims).toEqual(set);
  });

  it('aud may be a list holding the receiver', async () => {
    const token = await signSet(claims({ aud: ['https://other.example.com', AUDIENCE] }), key);
    expect(await issuesOf(token)).toEqual([]);
  });

  it('the published JWKS, as JSON, verifies as well as the key set', async () => {
    const jwks = JSON.parse(JSON.stringify(keys.jwks())) as JsonWebKeySet;
    expect(await issuesOf(await signSet(claims(), key), { keys: jwks })).toEqual([]);
  });

  it('iat within the clock tolerance in the future is accepted', async () => {
    const token = await signSet(claims({ iat: NOW_S + 30 }), key);
    expect(await issuesOf(token)).toEqual([]);
  });
});

describe('refused, with the RFC 8935 error code', () => {
  it('E-DELIV-05: a SET whose payload was altered after signing: invalid_signature', async () => {
    const [header, , signature] = (await signSet(claims(), key)).split('.');
    const forged = Buffer.from(JSON.stringify(claims({ txn: 'forged' }))).toString('base64url');
    expect(await issuesOf(`${header}.${forged}.${signature}`)).toEqual([
      expect.objectContaining({ code: 'invalid_signature', err: 'invalid_key' }),
    ]);
  });

  it('a SET signed by a key that is not published: unknown_key', async () => {
    const stranger = await generateSigningKey();
    expect(await issuesOf(await signSet(claims(), stranger))).toEqual([
      expect.objectContaining({ code: 'unknown_key', err: 'invalid_key' }),
    ]);
  });

  it('E-SET-02: a JWT whose typ is not secevent+jwt: invalid_typ', async () => {
    const token = await new SignJWT({ ...claims(), aud: AUDIENCE })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
      .sign(key.privateKey);
    expect(await issuesOf(token)).toEqual([
      expect.objectContaining({ code: 'invalid_typ', err: 'invalid_request' }),
    ]);
  });

  it('typ with the application/ prefix, in another case, is the same type (RFC 7515 §4.1.9)', async () => {
    const token = await new SignJWT({ ...claims(), aud: AUDIENCE })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'Application/SecEvent+JWT' })
      .sign(key.privateKey);
    expect(await issuesOf(token)).toEqual([]);
  });

  it('another issuer: invalid_issuer', async () => {
    const token = await signSet(claims({ iss: 'https://evil.example.com' }), key);
    expect(await issuesOf(token)).toEqual([
      expect.objectContaining({ code: 'invalid_issuer', err: 'invalid_issuer' }),
    ]);
  });

  it('another audience, or none when one is expected: invalid_audience', async () => {
    const other = await signSet(claims({ aud: 'https://other.example.com' }), key);
    const { aud: _aud, ...noAud } = claims();
    const none = await signSet(noAud, key);
    for (const token of [other, none])
      expect(await issuesOf(token)).toEqual([
        expect.objectContaining({ code: 'invalid_audience', err: 'invalid_audience' }),
      ]);
  });

  it('iat in the future beyond the tolerance: issued_in_future, without an error code (the clocks will agree later: answer 5xx)', async () => {
    const token = await signSet(claims({ iat: NOW_S + 3600 }), key);
    const issues = await issuesOf(token);
    expect(issues).toEqual([expect.objectContaining({ code: 'issued_in_future' })]);
    expect(issues[0]).not.toHaveProperty('err');
  });

  it('the default maximum age is 7 days, past the transmitter’s 72 hours of retries', async () => {
    const day = 86_400;
    expect(await issuesOf(await signSet(claims({ iat: NOW_S - 30 * 3_600 }), key))).toEqual([]);
    expect(await issuesOf(await signSet(claims({ iat: NOW_S - 7 * day + 1 }), key))).toEqual([]);
    expect(await issuesOf(await signSet(claims({ iat: NOW_S - 8 * day }), key))).toEqual([
      expect.objectContaining({ code: 'too_old', err: 'invalid_request' }),
    ]);
  });

  it('the replay cache keeps a jti as long as the SET would verify (its iat plus the maximum age and the tolerance)', async () => {
    const expiries: Date[] = [];
    const replayCache = {
      remember: (_key: string, expiresAt: Date) => (expiries.push(expiresAt), true),
    };
    const iat = NOW_S - 6 * 86_400;
    expect(await issuesOf(await signSet(claims({ iat }), key), { replayCache })).toEqual([]);
    expect(expiries).toEqual([new Date((iat + 604_800 + 60) * 1000)]);
  });

  it('iat older than the maximum age: too_old', async () => {
    const token = await signSet(claims({ iat: NOW_S - 600 }), key);
    expect(await issuesOf(token, { maxAgeSeconds: 300 })).toEqual([
      expect.objectContaining({ code: 'too_old', err: 'invalid_request' }),
    ]);
    expect(await issuesOf(token, { maxAgeSeconds: 3600 })).toEqual([]);
  });

  it('E-SET-01: a SET without iat or jti, or without events: every missing claim is an issue', async () => {
    const { iat: _iat, jti: _jti, ...rest } = claims({ events: {} });
    const token = await signSet(rest as SetClaims, key);
    expect((await issuesOf(token)).map((issue) => issue.code).sort()).toEqual([
      'invalid_events',
      'missing_claim',
      'missing_claim',
    ]);
  });

  it('an algorithm the receiver does not allow: algorithm_not_allowed', async () => {
    const rsa = await generateSigningKey({ alg: 'RS256' });
    const token = await signSet(claims(), rsa);
    expect(
      await issuesOf(token, { keys: { keys: [rsa.publicJwk] }, algorithms: ['ES256'] }),
    ).toEqual([expect.objectContaining({ code: 'algorithm_not_allowed' })]);
  });

  it('a token signed with an RSA key under 2048 bits: invalid_key', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const jwk = {
      ...(small.publicKey.export({ format: 'jwk' }) as Jwk),
      kid: 'small',
      alg: 'RS256',
    };
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${encode({ alg: 'RS256', kid: 'small', typ: 'secevent+jwt' })}.${encode(claims())}`;
    const signature = createSign('RSA-SHA256')
      .update(input)
      .sign(small.privateKey)
      .toString('base64url');
    expect(await issuesOf(`${input}.${signature}`, { keys: { keys: [jwk] } })).toEqual([
      expect.objectContaining({ code: 'invalid_key', err: 'invalid_key' }),
    ]);
  });

  it('text that is not a compact JWS: malformed', async () => {
    expect(await issuesOf('not-a-token')).toEqual([
      expect.objectContaining({ code: 'malformed', err: 'invalid_request' }),
    ]);
  });
});

describe('replay', () => {
  it('a second verify of the same jti is refused as replayed', async () => {
    const replayCache = createMemoryReplayCache({ now: () => NOW });
    const token = await signSet(claims({ jti: 'once' }), key);
    expect((await verifySet(token, options({ replayCache }))).ok).toBe(true);
    expect(await issuesOf(token, { replayCache })).toEqual([
      expect.objectContaining({ code: 'replayed' }),
    ]);
  });

  it('RFC 8935 §2.2 (a receiver acknowledges a SET it has): replayed carries no err code, so it is answered 202, never 400', async () => {
    const replayCache = createMemoryReplayCache({ now: () => NOW });
    const token = await signSet(claims({ jti: 'answered-twice' }), key);
    await verifySet(token, options({ replayCache }));
    const [issue] = await issuesOf(token, { replayCache });
    expect(issue?.code).toBe('replayed');
    expect(issue).not.toHaveProperty('err');
  });

  it('release() after a failed apply frees the jti, so the transmitter’s retry is processed', async () => {
    const replayCache = createMemoryReplayCache({ now: () => NOW });
    const token = await signSet(claims({ jti: 'apply-failed' }), key);
    const first = await verifySet(token, options({ replayCache }));
    if (!first.ok) throw new Error('expected the first delivery to verify');
    expect(await first.value.release()).toBe(true);
    const retry = await verifySet(token, options({ replayCache }));
    expect(retry.ok).toBe(true);
    // Applied this time: the jti stays reserved, and a third delivery is a replay.
    expect(await issuesOf(token, { replayCache })).toEqual([
      expect.objectContaining({ code: 'replayed' }),
    ]);
  });

  it('release() with a cache that cannot release says so (false); with no cache there is nothing to release', async () => {
    const remembered = new Set<string>();
    const rememberOnly = {
      remember: (jti: string) => !remembered.has(jti) && Boolean(remembered.add(jti)),
    };
    const token = await signSet(claims({ jti: 'no-release' }), key);
    const result = await verifySet(token, options({ replayCache: rememberOnly }));
    expect(result.ok && (await result.value.release())).toBe(false);
    const unchecked = await verifySet(token, options({ replayCache: false }));
    expect(unchecked.ok && (await unchecked.value.release())).toBe(true);
  });

  it('a maximum age past the last Date still keeps the jti (the expiry is capped, not an invalid Date)', async () => {
    const replayCache = createMemoryReplayCache({ now: () => NOW });
    const token = await signSet(claims({ jti: 'far-future' }), key);
    const far = { replayCache, maxAgeSeconds: Number.MAX_SAFE_INTEGER };
    expect(await issuesOf(token, far)).toEqual([]);
    expect(await issuesOf(token, far)).toEqual([expect.objectContaining({ code: 'replayed' })]);
  });

  it('a SET refused for another reason does not use up its jti', async () => {
    const replayCache = createMemoryReplayCache({ now: () => NOW });
    const token = await signSet(claims({ jti: 'retry-me' }), key);
    expect(
      await issuesOf(token, { replayCache, audience: 'https://elsewhere.example.com' }),
    ).toHaveLength(1);
    expect(await issuesOf(token, { replayCache })).toEqual([]);
  });

  it('the same jti from another issuer is another SET', async () => {
    const replayCache = createMemoryReplayCache({ now: () => NOW });
    const issuers = [ISSUER, 'https://second.example.com'];
    for (const iss of issuers) {
      const token = await signSet(claims({ iss, jti: 'shared' }), key);
      expect(await issuesOf(token, { replayCache, issuer: issuers })).toEqual([]);
    }
  });
});

describe('options that would disable a check are refused when given', () => {
  it('a maximum age or clock tolerance that is NaN, infinite or negative is a RangeError', async () => {
    const token = await signSet(claims({ iat: NOW_S - 10 * 365 * 86_400 }), key);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1]) {
      await expect(
        verifySet(token, options({ maxAgeSeconds: bad })),
        `maxAge ${bad}`,
      ).rejects.toThrow(RangeError);
      await expect(
        verifySet(token, options({ clockToleranceSeconds: bad })),
        `tolerance ${bad}`,
      ).rejects.toThrow(RangeError);
    }
  });

  it('an infinite maximum age cannot make every replay pass', async () => {
    const replayCache = createMemoryReplayCache({ now: () => NOW });
    const token = await signSet(claims({ jti: 'infinite' }), key);
    await expect(
      verifySet(token, options({ replayCache, maxAgeSeconds: Number.POSITIVE_INFINITY })),
    ).rejects.toThrow(RangeError);
  });

  it('a clock that gives an invalid Date is a RangeError, not a pass for every iat', async () => {
    const token = await signSet(claims(), key);
    await expect(verifySet(token, options({ now: () => new Date(Number.NaN) }))).rejects.toThrow(
      RangeError,
    );
  });

  it('createRemoteJwks refuses a timeout, cooldown or cache age that is not a whole number of ms', () => {
    for (const bad of [Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY]) {
      expect(() => createRemoteJwks('https://a.example/jwks', { timeoutMs: bad })).toThrow(
        RangeError,
      );
      expect(() => createRemoteJwks('https://a.example/jwks', { cooldownMs: bad })).toThrow(
        RangeError,
      );
      expect(() => createRemoteJwks('https://a.example/jwks', { cacheMaxAgeMs: bad })).toThrow(
        RangeError,
      );
    }
  });
});

describe('RFC 8417 §2.2: the audience decision is explicit', () => {
  it('a call that neither names the audience nor skips it with false is a TypeError', async () => {
    const token = await signSet(claims(), key);
    const { audience: _audience, ...rest } = options();
    await expect(verifySet(token, rest as SetVerifyOptions)).rejects.toThrow(TypeError);
    for (const audience of ['', [], [''], undefined])
      await expect(
        verifySet(token, { ...options(), audience } as unknown as SetVerifyOptions),
      ).rejects.toThrow(TypeError);
  });

  it('audience: false skips the aud check on purpose', async () => {
    const token = await signSet(claims({ aud: 'https://other.example.com' }), key);
    expect(await issuesOf(token, { audience: false })).toEqual([]);
  });
});

describe('local JWKS', () => {
  it('a key removed from the caller’s JWKS in place stops verifying at once', async () => {
    const jwks = JSON.parse(JSON.stringify(keys.jwks())) as { keys: Jwk[] };
    const token = await signSet(claims(), key);
    expect(await issuesOf(token, { keys: jwks })).toEqual([]);
    jwks.keys.splice(0);
    expect(await issuesOf(await signSet(claims(), key), { keys: jwks })).toEqual([
      expect.objectContaining({ code: 'unknown_key' }),
    ]);
  });
});

describe('remote JWKS', () => {
  let jwks: JsonWebKeySet;
  let fetches = 0;
  const server = createServer((_request, response) => {
    fetches += 1;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(jwks));
  });
  let url: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('verifies against the issuer’s jwks_uri, and follows a rotation by itself (a new kid fetches again)', async () => {
    const transmitter = createSigningKeySet({ active: await generateSigningKey() });
    jwks = transmitter.jwks();
    const remote = createRemoteJwks(url, { cooldownMs: 0 });
    expect(await issuesOf(await signSet(claims(), transmitter.active), { keys: remote })).toEqual(
      [],
    );
    const before = fetches;
    expect(await issuesOf(await signSet(claims(), transmitter.active), { keys: remote })).toEqual(
      [],
    );
    expect(fetches).toBe(before);
    await transmitter.rotate();
    jwks = transmitter.jwks();
    expect(await issuesOf(await signSet(claims(), transmitter.active), { keys: remote })).toEqual(
      [],
    );
    expect(fetches).toBe(before + 1);
  });

  it('a kid the cached JWKS lacks, within the cooldown, is unknown for now: unknown_key without an error code (answer 5xx), and verifies once the cooldown has passed', async () => {
    const transmitter = createSigningKeySet({ active: await generateSigningKey() });
    jwks = transmitter.jwks();
    const cooldownMs = 200;
    const remote = createRemoteJwks(url, { cooldownMs });
    expect(await issuesOf(await signSet(claims(), transmitter.active), { keys: remote })).toEqual(
      [],
    );
    const before = fetches;
    await transmitter.rotate();
    jwks = transmitter.jwks();
    const token = await signSet(claims(), transmitter.active);
    const [issue] = await issuesOf(token, { keys: remote });
    expect(issue?.code).toBe('unknown_key');
    expect(issue).not.toHaveProperty('err');
    expect(fetches).toBe(before);
    await new Promise((resolve) => setTimeout(resolve, cooldownMs + 50));
    expect(await issuesOf(token, { keys: remote })).toEqual([]);
    expect(fetches).toBe(before + 1);
  });

  it('a kid missing from a JWKS just fetched is refused: unknown_key with invalid_key (answer 400), as waiting changes nothing', async () => {
    const transmitter = createSigningKeySet({ active: await generateSigningKey() });
    jwks = transmitter.jwks();
    const forger = createSigningKeySet({ active: await generateSigningKey() });
    // Its first look-up fetches the set (no cooldown yet), and the kid is not in it.
    const fresh = createRemoteJwks(url, { cooldownMs: 60_000 });
    const before = fetches;
    const [issue] = await issuesOf(await signSet(claims(), forger.active), { keys: fresh });
    expect(fetches).toBe(before + 1);
    expect(issue).toMatchObject({ code: 'unknown_key', err: 'invalid_key' });
    // Within the cooldown that fetch began, the same kid is unknown for now: it may be a key the
    // transmitter rotated to since.
    const [again] = await issuesOf(await signSet(claims(), forger.active), { keys: fresh });
    expect(again?.code).toBe('unknown_key');
    expect(again).not.toHaveProperty('err');
  });

  it('keys that cannot be fetched: jwks_unavailable, without an error code (answer 5xx)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const remote = createRemoteJwks(`http://127.0.0.1:${port}/jwks.json`);
    const [issue] = await issuesOf(await signSet(claims(), key), { keys: remote });
    expect(issue?.code).toBe('jwks_unavailable');
    expect(issue).not.toHaveProperty('err');
  });
});
