// bearerTokens(): the shared bearer token Entra ID and Okta send (RFC 6750), configured as SHA-256
// digests, several at once so a token can be rotated without downtime.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isScimError, ScimError } from '@scim/core';
import {
  bearerTokens,
  createScimHandler,
  hashBearerToken,
  type BearerTokensOptions,
  type BearerTokenUse,
  type HookEvent,
  type ScimStore,
} from '@scim/server';
import { createMemoryStore } from '@scim/server/memory';
import { BASE, bj, expectError, toReply, type Reply } from './helpers.js';

const TOKEN = 'k3Hq9-Zx_.~+/Tq=';
const OTHER = 'rotated-token-2027';

function hex(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A handler over the given stores whose only authentication is `bearerTokens(options)`. */
function endpoint(
  options: BearerTokensOptions,
  stores: Record<string, ScimStore> = { User: createMemoryStore(), Group: createMemoryStore() },
) {
  const created: HookEvent[] = [];
  const handler = createScimHandler({
    stores,
    authenticate: bearerTokens(options),
    hashPassword: (password) => Promise.resolve(`test-hash:${password.length}`),
    hooks: { afterCreate: (event) => void created.push(event) },
  });
  async function call(
    authorization: string | undefined,
    method = 'GET',
    path = '/Users',
    body?: unknown,
  ): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (authorization !== undefined) headers.authorization = authorization;
    if (body !== undefined) headers['content-type'] = 'application/scim+json';
    return toReply(
      await handler.fetch(
        new Request(`${BASE}${path}`, {
          method,
          headers,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      ),
    );
  }
  return { call, created };
}

describe('bearerTokens (RFC 6750, RFC 7235, RFC 7644 §2)', () => {
  it('hashBearerToken writes sha256:<hex>, the same digest as `printf %s "$TOKEN" | sha256sum`', async () => {
    expect(await hashBearerToken('abc')).toBe(
      'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(await hashBearerToken(TOKEN)).toBe(`sha256:${hex(TOKEN)}`);
  });

  it('RFC 7235 §2.1: "the scheme name is case-insensitive" (bearer, BEARER and Bearer all work)', async () => {
    const { call } = endpoint({ tokens: [await hashBearerToken(TOKEN)] });
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect((await call(`${scheme} ${TOKEN}`)).status, scheme).toBe(200);
    }
  });

  it('RFC 7235 §2.1: 1*SP between scheme and token (several spaces, or a tab, are accepted)', async () => {
    const { call } = endpoint({ tokens: [await hashBearerToken(TOKEN)] });
    expect((await call(`Bearer   ${TOKEN}`)).status).toBe(200);
    expect((await call(`Bearer\t${TOKEN}`)).status).toBe(200);
  });

  it('RFC 6750 §2.1: the token is b64token (letters, digits, - . _ ~ + / and trailing =); anything else is 401 invalid_token', async () => {
    const { call } = endpoint({ tokens: [await hashBearerToken(TOKEN)] });
    expect((await call(`Bearer ${TOKEN}`)).status).toBe(200);
    for (const malformed of [
      'Bearer',
      `Bearer ${TOKEN} extra`,
      `Bearer "${TOKEN}"`,
      `Bearer ${TOKEN},x`,
      'Bearer =abc',
      'Bearer a=b',
      `Bearer Bearer ${TOKEN}`,
    ]) {
      const reply = await call(malformed);
      expectError(reply, 401);
      expect(reply.headers.get('www-authenticate'), malformed).toBe('Bearer error="invalid_token"');
      expect(reply.body.detail).toMatch(/malformed/);
    }
  });

  it('RFC 6750 §3.1 / P-HTTP-07: without credentials the 401 challenges with WWW-Authenticate: Bearer and no error code', async () => {
    const { call } = endpoint({ tokens: [await hashBearerToken(TOKEN)] });
    for (const authorization of [undefined, '', `Basic ${btoa('user:pass')}`, TOKEN, 'Token x']) {
      const reply = await call(authorization);
      expectError(reply, 401);
      expect(reply.headers.get('www-authenticate'), String(authorization)).toBe('Bearer');
    }
  });

  it('RFC 6750 §3: the realm option is named in the challenge', async () => {
    const { call } = endpoint({ tokens: [await hashBearerToken(TOKEN)], realm: 'scim' });
    expect((await call(undefined)).headers.get('www-authenticate')).toBe('Bearer realm="scim"');
    expect((await call('Bearer wrong')).headers.get('www-authenticate')).toBe(
      'Bearer realm="scim", error="invalid_token"',
    );
  });

  it('P-SEC-11 / Okta O11: a wrong token is 401 invalid_token, the same reply however close it came', async () => {
    const { call } = endpoint({
      tokens: [await hashBearerToken(TOKEN), await hashBearerToken(OTHER)],
    });
    const near = [
      `${TOKEN.slice(0, -1)}A`,
      TOKEN.slice(0, -1),
      `${TOKEN}=`,
      `x${TOKEN}`,
      TOKEN.toUpperCase(),
      OTHER.slice(0, 4),
      'x',
    ];
    const replies = await Promise.all(near.map((token) => call(`Bearer ${token}`)));
    for (const reply of replies) {
      expectError(reply, 401);
      expect(reply.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      expect(reply.text).toBe(replies[0]?.text);
    }
    expect(replies[0]?.body.detail).toBe('The bearer token is not valid');
  });

  it('P-SEC-02: each token maps to its own principal, tenant and grants', async () => {
    const { call, created } = endpoint({
      tokens: [
        {
          sha256: await hashBearerToken(TOKEN),
          label: 'entra',
          principal: { client: 'entra' },
          tenant: 'acme',
        },
        { sha256: await hashBearerToken(OTHER), label: 'okta', tenant: 'globex', grants: 'v1' },
      ],
    });
    expect((await call(`Bearer ${TOKEN}`, 'POST', '/Users', bj)).status).toBe(201);
    expect(created[0]?.principal).toEqual({ client: 'entra' });
    expect(created[0]?.tenant).toBe('acme');
    // Tenants are kept apart by the store: the other token's tenant sees nothing.
    expect((await call(`Bearer ${OTHER}`)).body.totalResults).toBe(0);
    expect((await call(`Bearer ${TOKEN}`)).body.totalResults).toBe(1);
    expect((await call(`Bearer ${OTHER}`, 'POST', '/Users', bj)).status).toBe(201);
    // Without a principal of its own, a token's principal is its label.
    expect(created[1]?.principal).toBe('okta');
    expect(created[1]?.tenant).toBe('globex');
  });

  it('the principal of an unlabelled digest is sha256: and its first 8 hex digits', async () => {
    const uses: BearerTokenUse[] = [];
    const authenticate = bearerTokens({
      tokens: [`sha256:${hex(TOKEN).toUpperCase()}`],
      onUse: (use) => void uses.push(use),
    });
    const authentication = await authenticate(
      new Request(BASE, { headers: { authorization: `Bearer ${TOKEN}` } }),
    );
    expect(authentication).toEqual({ principal: `sha256:${hex(TOKEN).slice(0, 8)}` });
    expect(uses[0]?.label).toBe(`sha256:${hex(TOKEN).slice(0, 8)}`);
  });

  it('rotation without downtime: old alone, then old and new, then new alone, over the same data', async () => {
    const stores = { User: createMemoryStore(), Group: createMemoryStore() };
    const old = { sha256: await hashBearerToken(TOKEN), label: 'old' };
    const next = { sha256: await hashBearerToken(OTHER), label: 'new' };
    const seen: string[] = [];
    const onUse = ({ label }: BearerTokenUse) => void seen.push(label);

    const before = endpoint({ tokens: [old], onUse }, stores);
    expect((await before.call(`Bearer ${TOKEN}`, 'POST', '/Users', bj)).status).toBe(201);
    expect((await before.call(`Bearer ${OTHER}`)).status).toBe(401);

    // Both live: the identity provider may switch at any moment.
    const during = endpoint({ tokens: [old, next], onUse }, stores);
    expect((await during.call(`Bearer ${TOKEN}`)).body.totalResults).toBe(1);
    expect((await during.call(`Bearer ${OTHER}`)).body.totalResults).toBe(1);

    const after = endpoint({ tokens: [next], onUse }, stores);
    expect((await after.call(`Bearer ${OTHER}`)).body.totalResults).toBe(1);
    expectError(await after.call(`Bearer ${TOKEN}`), 401);
    expect(seen).toEqual(['old', 'old', 'new', 'new']);
  });

  it('onUse is told the label, principal, tenant and request of the token used, and only on success', async () => {
    const uses: BearerTokenUse[] = [];
    const { call } = endpoint({
      tokens: [
        {
          sha256: await hashBearerToken(TOKEN),
          label: 'entra-2026-11',
          principal: 'entra',
          tenant: 'acme',
        },
        {
          sha256: await hashBearerToken(OTHER),
          label: 'entra-2027-05',
          principal: 'entra',
          tenant: 'acme',
        },
      ],
      onUse: (use) => void uses.push(use),
    });
    await call(`Bearer ${OTHER}`, 'GET', '/Users?count=1');
    await call('Bearer wrong');
    await call(undefined);
    expect(uses).toHaveLength(1);
    expect(uses[0]).toMatchObject({ label: 'entra-2027-05', principal: 'entra', tenant: 'acme' });
    expect(uses[0]?.request.url).toBe(`${BASE}/Users?count=1`);
  });

  it('onUse may refuse a request by throwing a ScimError, and is awaited first', async () => {
    const { call, created } = endpoint({
      tokens: [{ sha256: await hashBearerToken(TOKEN), label: 'revoked' }],
      onUse: async ({ label }) => {
        await Promise.resolve();
        if (label === 'revoked') throw ScimError.forbidden('This token was revoked');
      },
    });
    expectError(await call(`Bearer ${TOKEN}`, 'POST', '/Users', bj), 403);
    expect(created).toHaveLength(0);
  });

  describe('configuration errors are TypeErrors at creation, naming the problem', () => {
    const refuse = (options: unknown, message: RegExp) => {
      let thrown: unknown;
      try {
        bearerTokens(options as BearerTokensOptions);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(TypeError);
      expect((thrown as TypeError).message).toMatch(message);
    };
    const digest = `sha256:${hex(TOKEN)}`;

    it('no tokens', () => {
      refuse({ tokens: [] }, /at least one/);
      refuse({}, /at least one/);
      refuse(undefined, /options/);
    });

    it('a value that is not sha256: and 64 hex digits, without echoing it (it may be the token itself)', () => {
      for (const bad of [
        TOKEN,
        hex(TOKEN),
        `sha256:${hex(TOKEN).slice(1)}`,
        `sha512:${hex(TOKEN)}`,
        `sha256:${'g'.repeat(64)}`,
      ]) {
        expect(() => bearerTokens({ tokens: [digest, bad] })).toThrow(
          /tokens\[1\] is not a SHA-256 digest/,
        );
        try {
          bearerTokens({ tokens: [digest, bad] });
        } catch (error) {
          expect((error as Error).message).not.toContain(bad);
        }
      }
      refuse(
        { tokens: [{ sha256: TOKEN, label: 'okta' }] },
        /tokens\[0\] \('okta'\) is not a SHA-256/,
      );
      refuse({ tokens: [42] }, /tokens\[0\]/);
      refuse({ tokens: [null] }, /tokens\[0\]/);
    });

    it('the digest of an empty token (an unset variable)', () => {
      refuse({ tokens: [`sha256:${hex('')}`] }, /empty token/);
    });

    it('the same token twice, or two tokens with one label', () => {
      refuse(
        { tokens: [digest, digest.toUpperCase().replace('SHA256', 'sha256')] },
        /tokens\[0\] and tokens\[1\] are the same token/,
      );
      refuse(
        {
          tokens: [
            { sha256: digest, label: 'a' },
            { sha256: `sha256:${hex(OTHER)}`, label: 'a' },
          ],
        },
        /share the label 'a'/,
      );
    });

    it('a bad label, tenant, grants, realm or onUse', () => {
      refuse({ tokens: [{ sha256: digest, label: '' }] }, /label/);
      refuse({ tokens: [{ sha256: digest, tenant: 7 }] }, /tenant/);
      refuse({ tokens: [{ sha256: digest, grants: {} }] }, /grants/);
      refuse({ tokens: [digest], realm: 'a"b' }, /realm/);
      refuse({ tokens: [digest], onUse: 'log' }, /onUse/);
    });

    it('hashBearerToken refuses a value that can never be presented (not b64token)', async () => {
      for (const bad of ['', 'two words', '"quoted"', 'a=b', 'ünicode']) {
        await expect(hashBearerToken(bad)).rejects.toThrow(TypeError);
      }
    });
  });

  describe('property: only a configured token is ever accepted', () => {
    const b64char = fc.constantFrom(
      ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/'.split(''),
    );
    const b64token = fc
      .tuple(fc.string({ unit: b64char, minLength: 1, maxLength: 40 }), fc.nat({ max: 2 }))
      .map(([body, pad]) => body + '='.repeat(pad));
    // Printable ASCII without spaces: header-safe, and never trimmed by Headers.
    const printable = fc.string({
      unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
      minLength: 1,
      maxLength: 40,
    });

    it('a presented token is accepted exactly when it is one of the configured ones, as that one', async () => {
      let accepted = 0;
      let refused = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(b64token, { minLength: 1, maxLength: 4 }),
          fc.oneof(
            b64token,
            printable,
            fc.constant(''),
            // Near misses of a configured token: one character changed, cut or added.
            fc.tuple(fc.nat(), fc.nat(), b64char).map(([i, j, c]) => ({ i, j, c })),
            // A configured token itself.
            fc.nat().map((i) => ({ i })),
          ),
          fc.constantFrom('Bearer', 'bearer', 'BEARER'),
          async (configured, pick, scheme) => {
            const tokens = await Promise.all(
              configured.map(async (token, index) => ({
                sha256: await hashBearerToken(token),
                label: `t${index}`,
              })),
            );
            let presented: string;
            if (typeof pick === 'string') presented = pick;
            else if (!('j' in pick)) presented = configured[pick.i % configured.length] as string;
            else {
              const base = configured[pick.i % configured.length] as string;
              const at = pick.j % (base.length + 1);
              presented = [
                base.slice(0, at) + pick.c + base.slice(at + 1),
                base.slice(0, at),
                base.slice(0, at) + pick.c + base.slice(at),
              ][pick.j % 3] as string;
            }
            const authenticate = bearerTokens({ tokens });
            const request = new Request(BASE, {
              headers: { authorization: `${scheme} ${presented}` },
            });
            const index = configured.indexOf(presented);
            try {
              const authentication = await authenticate(request);
              expect(index).toBeGreaterThanOrEqual(0);
              expect(authentication.principal).toBe(`t${index}`);
              accepted += 1;
            } catch (error) {
              if (!isScimError(error)) throw error;
              expect(index).toBe(-1);
              expect(error.status).toBe(401);
              refused += 1;
            }
          },
        ),
        { numRuns: 300 },
      );
      // Both outcomes were exercised, so the property is not vacuous.
      expect(accepted).toBeGreaterThan(10);
      expect(refused).toBeGreaterThan(10);
    });
  });
});
