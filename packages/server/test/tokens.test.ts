// Issued tokens (issue 15, "Tokens"): createTokenManager issues, lists, rotates and revokes them in a
// TokenStore, and tokenAuthenticator accepts them as `Authorization: Bearer` (RFC 6750 §2.1), the
// tenant and scopes coming from the token. Clocks are fake; no test waits on time.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createMemoryTokenStore,
  createTokenManager,
  tokenAuthenticator,
  type TokenAuthenticatorOptions,
  type TokenStore,
} from '@scim/server';
import { bj, expectError, server, type Reply } from './helpers.js';

const T0 = new Date('2026-03-01T12:00:00.000Z');
// rotate and revoke name the tenant they act in every time.
const inAcme = { tenant: 'acme' } as const;

/** A clock the test moves by hand. */
function fakeClock() {
  let time = T0.getTime();
  return {
    now: () => new Date(time),
    advance: (ms: number) => void (time += ms),
  };
}

/** A token store, its manager and a SCIM endpoint that authenticates with it, on one fake clock. */
function setup(
  store: TokenStore = createMemoryTokenStore(),
  options: Partial<TokenAuthenticatorOptions> = {},
) {
  const clock = fakeClock();
  const tokens = createTokenManager({ store, now: clock.now });
  const { call } = server({
    authenticate: tokenAuthenticator({ store, now: clock.now, ...options }),
  });
  const as = (token: string, method = 'GET', path = '/Users', body?: unknown): Promise<Reply> =>
    call(method, path, body, { authorization: `Bearer ${token}` });
  return { store, tokens, clock, as };
}

/** A store that counts calls by method, over the memory store. */
function countingStore(inner: TokenStore = createMemoryTokenStore()) {
  const calls: Record<string, number> = {};
  const store = new Proxy(inner, {
    get(target, name: string) {
      const method: unknown = Reflect.get(target, name);
      return (...args: unknown[]) => {
        calls[name] = (calls[name] ?? 0) + 1;
        return (method as (...args: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, calls };
}

function expectInvalidToken(reply: Reply): void {
  expectError(reply, 401);
  expect(reply.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
}

describe('issue', () => {
  it('an issued token authenticates a SCIM request (RFC 6750 §2.1)', async () => {
    const { tokens, as } = setup();
    const { token } = await tokens.issue({ tenant: 'acme', label: 'entra' });
    expect((await as(token)).status).toBe(200);
  });

  it('a token is scim_ and 43 characters of [0-9A-Za-z]: token68 and easy to scan for', async () => {
    const { tokens } = setup();
    const { token } = await tokens.issue({ tenant: 'acme', label: 'entra' });
    expect(token).toMatch(/^scim_[0-9A-Za-z]{43}$/);
  });

  it('the prefix option starts every token', async () => {
    const tokens = createTokenManager({ store: createMemoryTokenStore(), prefix: 'acme_scim_' });
    const { token } = await tokens.issue({ tenant: 'acme', label: 'entra' });
    expect(token.startsWith('acme_scim_')).toBe(true);
  });

  it('the store keeps the SHA-256 of the token, never the token', async () => {
    const { tokens, store } = setup();
    const { token, record } = await tokens.issue({ tenant: 'acme', label: 'entra' });
    const stored = await store.get(record.id);
    expect(stored?.sha256).toBe(`sha256:${createHash('sha256').update(token).digest('hex')}`);
    expect(JSON.stringify(stored)).not.toContain(token.slice(5));
  });

  it('two tokens issued alike differ (fresh randomness each time)', async () => {
    const { tokens } = setup();
    const first = await tokens.issue({ tenant: 'acme', label: 'entra' });
    const second = await tokens.issue({ tenant: 'acme', label: 'entra' });
    expect(first.token).not.toBe(second.token);
  });

  it('random bytes of 248 and above are skipped, so every character is equally likely', async () => {
    // 248 = 4 × 62: the first 248 byte values map onto the alphabet evenly, the last 8 would not.
    const bytes = [255, 248, 0, 61, 62, 247];
    const tokens = createTokenManager({
      store: createMemoryTokenStore(),
      prefix: '',
      randomBytes: (size) => Uint8Array.from({ length: size }, (_, i) => bytes[i % bytes.length]!),
    });
    const { token } = await tokens.issue({ tenant: 'acme', label: 'entra' });
    expect(token.slice(0, 4)).toBe('0z0z');
  });

  it('records tenant, label, scopes, creation time and expiry', async () => {
    const { tokens } = setup();
    const expiresAt = new Date(T0.getTime() + 86_400_000);
    const { record } = await tokens.issue({
      tenant: 'acme',
      label: 'audit',
      scopes: ['scim:read'],
      expiresAt,
    });
    expect(record).toMatchObject({
      tenant: 'acme',
      label: 'audit',
      scopes: ['scim:read'],
      createdAt: T0,
      expiresAt,
      state: 'live',
    });
  });

  it('refuses an unknown scim: scope, so a typo fails at once', async () => {
    const { tokens } = setup();
    await expect(
      tokens.issue({ tenant: 'acme', label: 'audit', scopes: ['scim:wirte'] }),
    ).rejects.toThrow(/unknown scope 'scim:wirte'/);
  });

  it("refuses 'SCIM:read': scopes compare exactly, so a scim: scope in another case is unknown too", async () => {
    const { tokens } = setup();
    await expect(
      tokens.issue({ tenant: 'acme', label: 'audit', scopes: ['SCIM:read'] }),
    ).rejects.toThrow(/unknown scope 'SCIM:read'/);
  });

  it('refuses an expiry that has already passed', async () => {
    const { tokens } = setup();
    await expect(
      tokens.issue({ tenant: 'acme', label: 'entra', expiresAt: new Date(T0.getTime() - 1) }),
    ).rejects.toThrow(/future/);
  });

  it('refuses an empty tenant', async () => {
    const { tokens } = setup();
    await expect(tokens.issue({ tenant: '', label: 'entra' })).rejects.toThrow(/tenant/);
  });

  it.each(['\n', '\r', '\u0000', '\u001b[31m', '\u007f', '\u0085', '\u2028', '\u2029'])(
    'CWE-117 (a label cannot forge log lines): issue and rotate refuse a label with %j',
    async (control) => {
      const { tokens } = setup();
      const label = `entra${control}admin: revoked token x`;
      const refused = /label must not contain control characters or line breaks/;
      await expect(tokens.issue({ tenant: 'acme', label })).rejects.toThrow(refused);
      const { record } = await tokens.issue({ tenant: 'acme', label: 'entra · prod ✓' });
      await expect(tokens.rotate(record.id, { ...inAcme, label })).rejects.toThrow(refused);
      expect((await tokens.list('acme')).map((token) => token.label)).toEqual(['entra · prod ✓']);
    },
  );
});

describe('list', () => {
  it("lists a tenant's tokens with neither the secret nor its digest", async () => {
    const { tokens } = setup();
    const { token, record } = await tokens.issue({ tenant: 'acme', label: 'entra' });
    const listed = await tokens.list('acme');
    expect(listed.map((summary) => summary.id)).toEqual([record.id]);
    const json = JSON.stringify(listed);
    expect(json).not.toContain(token.slice(5));
    expect(json).not.toContain('sha256');
  });

  it('the issue answer, serialised, carries the token only in its token field', async () => {
    const { tokens } = setup();
    const issued = await tokens.issue({ tenant: 'acme', label: 'entra' });
    expect(JSON.stringify(issued.record)).not.toContain(issued.token.slice(5));
    expect(JSON.stringify(issued.record)).not.toContain('sha256');
  });

  it("lists only the tenant's own tokens", async () => {
    const { tokens } = setup();
    await tokens.issue({ tenant: 'acme', label: 'entra' });
    await tokens.issue({ tenant: 'globex', label: 'okta' });
    expect((await tokens.list('globex')).map((summary) => summary.label)).toEqual(['okta']);
  });

  it('says which tokens are live, expired or revoked', async () => {
    const { tokens, clock } = setup();
    await tokens.issue({ tenant: 'acme', label: 'live' });
    await tokens.issue({ tenant: 'acme', label: 'short', expiresAt: new Date(T0.getTime() + 10) });
    const gone = await tokens.issue({ tenant: 'acme', label: 'gone' });
    await tokens.revoke(gone.record.id, inAcme);
    clock.advance(10);
    expect((await tokens.list('acme')).map(({ label, state }) => [label, state])).toEqual([
      ['live', 'live'],
      ['short', 'expired'],
      ['gone', 'revoked'],
    ]);
  });
});

describe('tokenAuthenticator', () => {
  it('the tenant comes from the token: a token of another tenant does not see the user', async () => {
    const { tokens, as } = setup();
    const acme = await tokens.issue({ tenant: 'acme', label: 'entra' });
    const globex = await tokens.issue({ tenant: 'globex', label: 'okta' });
    const created = await as(acme.token, 'POST', '/Users', bj);
    expect(created.status).toBe(201);
    expect((await as(acme.token, 'GET', `/Users/${String(created.body.id)}`)).status).toBe(200);
    expectError(await as(globex.token, 'GET', `/Users/${String(created.body.id)}`), 404);
  });

  it('answers the token as principal (id and label), its tenant and its scopes', async () => {
    const { tokens, store, clock } = setup();
    const { token, record } = await tokens.issue({
      tenant: 'acme',
      label: 'audit',
      scopes: ['scim:read'],
    });
    const authenticate = tokenAuthenticator({ store, now: clock.now });
    const request = new Request('https://app.example.com/scim/v2/Users', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await authenticate(request)).toEqual({
      principal: { tokenId: record.id, label: 'audit' },
      tenant: 'acme',
      scopes: ['scim:read'],
    });
  });

  it('an unknown token is 401 invalid_token (RFC 6750 §3.1)', async () => {
    const { as } = setup();
    expectInvalidToken(await as(`scim_${'x'.repeat(43)}`));
  });

  it('a request without Authorization is 401 with a bare Bearer challenge (RFC 6750 §3.1)', async () => {
    const { store } = setup();
    const { call } = server({ authenticate: tokenAuthenticator({ store }) });
    const reply = await call('GET', '/Users', undefined, { authorization: '' });
    expectError(reply, 401);
    expect(reply.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('the realm option goes into the challenge (RFC 6750 §3)', async () => {
    const { as } = setup(createMemoryTokenStore(), { realm: 'scim' });
    const reply = await as('not-a-token');
    expect(reply.headers.get('www-authenticate')).toBe(
      'Bearer realm="scim", error="invalid_token"',
    );
  });

  it('looks the token up by its digest with one findByHash among 10,000 tokens, never by listing', async () => {
    const { store, calls } = countingStore();
    const { tokens, as } = setup(store);
    let wanted = '';
    for (let i = 0; i < 10_000; i += 1) {
      const { token } = await tokens.issue({ tenant: `tenant-${i % 100}`, label: `t${i}` });
      if (i === 4_321) wanted = token;
    }
    for (const name of Object.keys(calls)) delete calls[name];
    expect((await as(wanted)).status).toBe(200);
    expect(calls).toEqual({ findByHash: 1, touch: 1 });
  });
});

describe('expiry', () => {
  it('P-SEC-11 (bearer tokens have a limited lifetime; an expired token is 401): a token past expiresAt is 401 invalid_token', async () => {
    const { tokens, clock, as } = setup();
    const { token } = await tokens.issue({
      tenant: 'acme',
      label: 'entra',
      expiresAt: new Date(T0.getTime() + 60_000),
    });
    expect((await as(token)).status).toBe(200);
    clock.advance(60_000);
    const reply = await as(token);
    expectInvalidToken(reply);
    expect(reply.body.detail).toBe('The bearer token has expired');
  });

  it('an expiresAt that is no valid Date (a database value that did not parse) is 401 expired, never a token that lasts forever', async () => {
    const inner = createMemoryTokenStore();
    const store: TokenStore = {
      ...inner,
      findByHash: async (sha256) => {
        const record = await inner.findByHash(sha256);
        return record && { ...record, expiresAt: new Date('2026-02-30 25:00') };
      },
    };
    const { tokens, as } = setup(store);
    const { token } = await tokens.issue({ tenant: 'acme', label: 'sqlite' });
    const reply = await as(token);
    expectInvalidToken(reply);
    expect(reply.body.detail).toBe('The bearer token has expired');
  });
});

describe('revoke', () => {
  it('takes effect on the very next request: 401 invalid_token (RFC 6750 §3.1)', async () => {
    const { tokens, as } = setup();
    const { token, record } = await tokens.issue({ tenant: 'acme', label: 'entra' });
    expect((await as(token)).status).toBe(200);
    await tokens.revoke(record.id, inAcme);
    const reply = await as(token);
    expectInvalidToken(reply);
    expect(reply.body.detail).toBe('The bearer token has been revoked');
  });

  it('leaves the tenant’s other tokens working', async () => {
    const { tokens, as } = setup();
    const first = await tokens.issue({ tenant: 'acme', label: 'entra' });
    const second = await tokens.issue({ tenant: 'acme', label: 'entra-next' });
    await tokens.revoke(first.record.id, inAcme);
    expect((await as(second.token)).status).toBe(200);
  });

  it("with tenant set, cannot reach another tenant's token", async () => {
    const { tokens, as } = setup();
    const { token, record } = await tokens.issue({ tenant: 'globex', label: 'okta' });
    expect(await tokens.revoke(record.id, { tenant: 'acme' })).toBeUndefined();
    expect((await as(token)).status).toBe(200);
  });

  it('answers undefined for an unknown id', async () => {
    const { tokens } = setup();
    expect(await tokens.revoke('no-such-token', inAcme)).toBeUndefined();
  });

  it('without tenant or anyTenant is refused, and the token keeps working: whose tokens it may reach is said every time', async () => {
    const { tokens, as } = setup();
    const { token, record } = await tokens.issue({ tenant: 'acme', label: 'entra' });
    const revoke = (id: string, options?: object) =>
      tokens.revoke(id, options as Parameters<typeof tokens.revoke>[1]);
    await expect(revoke(record.id)).rejects.toThrow(/\{ tenant \} or \{ anyTenant: true \}/);
    expect((await as(token)).status).toBe(200);
  });

  it('with both tenant and anyTenant is refused', async () => {
    const { tokens } = setup();
    const { record } = await tokens.issue({ tenant: 'acme', label: 'entra' });
    const both = { tenant: 'acme', anyTenant: true } as unknown as { tenant: string };
    await expect(tokens.revoke(record.id, both)).rejects.toThrow(TypeError);
  });

  it("with anyTenant: true, reaches any tenant's token", async () => {
    const { tokens, as } = setup();
    const { token, record } = await tokens.issue({ tenant: 'globex', label: 'okta' });
    expect((await tokens.revoke(record.id, { anyTenant: true }))?.state).toBe('revoked');
    expectInvalidToken(await as(token));
  });
});

describe('rotate', () => {
  it('with overlap, the old and the new token both work until the overlap ends', async () => {
    const { tokens, clock, as } = setup();
    const old = await tokens.issue({ tenant: 'acme', label: 'entra' });
    const next = await tokens.rotate(old.record.id, { ...inAcme, overlapMs: 3_600_000 });
    clock.advance(3_599_999);
    expect((await as(old.token)).status).toBe(200);
    expect((await as(next!.token)).status).toBe(200);
  });

  it('with overlap, the old token is 401 once the overlap has passed; the new one works', async () => {
    const { tokens, clock, as } = setup();
    const old = await tokens.issue({ tenant: 'acme', label: 'entra' });
    const next = await tokens.rotate(old.record.id, { ...inAcme, overlapMs: 3_600_000 });
    clock.advance(3_600_000);
    expectInvalidToken(await as(old.token));
    expect((await as(next!.token)).status).toBe(200);
  });

  it('without overlap, the old token keeps working until it is revoked', async () => {
    const { tokens, clock, as } = setup();
    const old = await tokens.issue({ tenant: 'acme', label: 'entra' });
    const next = await tokens.rotate(old.record.id, inAcme);
    clock.advance(365 * 86_400_000);
    expect((await as(old.token)).status).toBe(200);
    await tokens.revoke(old.record.id, inAcme);
    expectInvalidToken(await as(old.token));
    expect((await as(next!.token)).status).toBe(200);
  });

  it('the new token keeps the tenant, label and scopes, and names the token it replaced', async () => {
    const { tokens } = setup();
    const old = await tokens.issue({ tenant: 'acme', label: 'audit', scopes: ['scim:read'] });
    const next = await tokens.rotate(old.record.id, inAcme);
    expect(next?.record).toMatchObject({
      tenant: 'acme',
      label: 'audit',
      scopes: ['scim:read'],
      rotatedFrom: old.record.id,
    });
  });

  it('the new token gets as long a life as the old one was given', async () => {
    const { tokens, clock } = setup();
    const day = 86_400_000;
    const old = await tokens.issue({
      tenant: 'acme',
      label: 'entra',
      expiresAt: new Date(T0.getTime() + 90 * day),
    });
    clock.advance(80 * day);
    const next = await tokens.rotate(old.record.id, inAcme);
    expect(next?.record.expiresAt).toEqual(new Date(T0.getTime() + 170 * day));
  });

  it('overlap never extends the old token past its own expiry', async () => {
    const { tokens, store } = setup();
    const expiresAt = new Date(T0.getTime() + 60_000);
    const old = await tokens.issue({ tenant: 'acme', label: 'entra', expiresAt });
    await tokens.rotate(old.record.id, { ...inAcme, overlapMs: 3_600_000 });
    expect((await store.get(old.record.id))?.expiresAt).toEqual(expiresAt);
  });

  it('stores the new token before shortening the old, so the tenant always has a live token', async () => {
    const inner = createMemoryTokenStore();
    const order: string[] = [];
    const store: TokenStore = {
      ...inner,
      insert: (record) => (order.push('insert'), inner.insert(record)),
      expire: (id, at) => (order.push('expire'), inner.expire(id, at)),
    };
    const { tokens } = setup(store);
    const old = await tokens.issue({ tenant: 'acme', label: 'entra' });
    order.length = 0;
    await tokens.rotate(old.record.id, { ...inAcme, overlapMs: 0 });
    expect(order).toEqual(['insert', 'expire']);
  });

  it('a revoked token cannot be rotated', async () => {
    const { tokens } = setup();
    const old = await tokens.issue({ tenant: 'acme', label: 'entra' });
    await tokens.revoke(old.record.id, inAcme);
    expect(await tokens.rotate(old.record.id, inAcme)).toBeUndefined();
  });

  it("with tenant set, cannot reach another tenant's token", async () => {
    const { tokens } = setup();
    const old = await tokens.issue({ tenant: 'globex', label: 'okta' });
    expect(await tokens.rotate(old.record.id, { tenant: 'acme' })).toBeUndefined();
  });

  it('without tenant or anyTenant is refused, and no token is issued', async () => {
    const { tokens } = setup();
    const old = await tokens.issue({ tenant: 'acme', label: 'entra' });
    const rotate = (id: string, options?: object) =>
      tokens.rotate(id, options as Parameters<typeof tokens.rotate>[1]);
    await expect(rotate(old.record.id, { overlapMs: 0 })).rejects.toThrow(TypeError);
    expect(await tokens.list('acme')).toHaveLength(1);
  });

  it('refuses an overlapMs that takes the old token past the last valid Date, and issues nothing', async () => {
    const { tokens } = setup();
    const old = await tokens.issue({ tenant: 'acme', label: 'entra' });
    await expect(tokens.rotate(old.record.id, { ...inAcme, overlapMs: 9e15 })).rejects.toThrow(
      /overlapMs gives no valid Date/,
    );
    expect(await tokens.list('acme')).toHaveLength(1);
  });
});
