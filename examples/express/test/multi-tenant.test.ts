// The Express example with several tenants (issue 15): SCIM_TENANTS serves each tenant at
// /scim/v2/{tenant}, for its own token only and in its own client dialect; every mistake in the
// variable stops the start with a message that says what to change and never repeats a token.
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenManager, hashBearerToken } from '@scim/server';
import { tenantsFromEnv } from '../tenants.mjs';
import { runExampleToExit } from './example-process.ts';
import {
  ACME_TOKEN,
  exampleProcess,
  GLOBEX_TOKEN,
  startTenantExample,
  TENANTS,
  USER_SCHEMA,
  type RunningExample,
} from './tenant-example.ts';

const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';

describe('examples/express with SCIM_TENANTS: acme (entra) and globex (okta)', () => {
  let example: RunningExample;
  const as = (token: string | undefined, method: string, path: string, body?: unknown) =>
    example.call(token, method, `${example.baseUrl}${path}`, body);
  beforeAll(async () => {
    example = await startTenantExample({ SCIM_TENANTS: TENANTS });
  });
  afterAll(() => example.stop());

  it("RFC 7644 §4: each tenant's discovery describes that tenant, at its own URL, for its own token", async () => {
    for (const [tenant, token] of [
      ['acme', ACME_TOKEN],
      ['globex', GLOBEX_TOKEN],
    ] as const) {
      for (const path of ['/ServiceProviderConfig', '/Schemas', '/ResourceTypes']) {
        const reply = await as(token, 'GET', `/${tenant}${path}`);
        expect(reply.status).toBe(200);
        // Every location in the document is under the tenant's own URL, none under the other's.
        const locations = [...reply.text.matchAll(/"location":"([^"]+)"/g)].map((m) => m[1]);
        expect(locations.length).toBeGreaterThan(0);
        for (const location of locations)
          expect(location?.startsWith(`${example.baseUrl}/${tenant}/`)).toBe(true);
      }
    }
  });

  it("each tenant reads requests in its own dialect: Entra's bare-word filter value (idp-quirks E13) is taken for acme and refused for globex", async () => {
    const query = `/Users?filter=${encodeURIComponent('userName eq bjensen')}`;
    expect((await as(ACME_TOKEN, 'GET', `/acme${query}`)).status).toBe(200);
    const okta = await as(GLOBEX_TOKEN, 'GET', `/globex${query}`);
    expect(okta.status).toBe(400);
    expect(okta.body).toMatchObject({ schemas: [ERROR_URN], scimType: 'invalidFilter' });
  });

  it("a token of acme on globex's URL is 404, the same answer as a tenant that does not exist", async () => {
    const other = await as(ACME_TOKEN, 'GET', '/globex/Users');
    const unknown = await as(ACME_TOKEN, 'GET', '/initech/Users');
    expect(other.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(other.text.replace('globex', 'initech')).toBe(unknown.text);
    expect(other.headers.get('content-type')).toBe(unknown.headers.get('content-type'));
  });

  it('P-HTTP-07: an unknown tenant, or any tenant, without a token is 401 with WWW-Authenticate: Bearer', async () => {
    for (const path of ['/initech/Users', '/acme/Users', '/acme/ServiceProviderConfig']) {
      const reply = await as(undefined, 'GET', path);
      expect(reply.status).toBe(401);
      expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expect((await as(`${ACME_TOKEN}x`, 'GET', '/acme/Users')).status).toBe(401);
  });

  it('P-SEC-07: tenants are isolated; the same userName in both tenants is 201 twice, and neither sees the other', async () => {
    const user = { schemas: [USER_SCHEMA], userName: 'bjensen@example.com' };
    const acme = await as(ACME_TOKEN, 'POST', '/acme/Users', user);
    const globex = await as(GLOBEX_TOKEN, 'POST', '/globex/Users', user);
    expect(acme.status).toBe(201);
    expect(globex.status).toBe(201);
    expect(acme.headers.get('location')).toBe(
      `${example.baseUrl}/acme/Users/${String(acme.body.id)}`,
    );
    const found = await as(
      GLOBEX_TOKEN,
      'GET',
      `/globex/Users?filter=${encodeURIComponent('userName eq "bjensen@example.com"')}`,
    );
    expect(found.body).toMatchObject({ totalResults: 1, Resources: [{ id: globex.body.id }] });
    expect((await as(GLOBEX_TOKEN, 'GET', `/globex/Users/${String(acme.body.id)}`)).status).toBe(
      404,
    );
  });

  it("keeps each tenant's token as its SHA-256 in the token store, never the token", async () => {
    for (const [tenant, token] of [
      ['acme', ACME_TOKEN],
      ['globex', GLOBEX_TOKEN],
    ] as const) {
      const records = await example.tokenStore.list(tenant);
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        label: 'SCIM_TENANTS',
        sha256: await hashBearerToken(token),
      });
      expect(await example.tokenStore.findByHash(await hashBearerToken(token))).toMatchObject({
        tenant,
      });
      expect(JSON.stringify(records)).not.toContain(token);
    }
  });

  it("prints each tenant's URL and dialect at start-up, and no token", () => {
    expect(example.lines).toEqual([
      `tenant acme (entra): ${example.baseUrl}/acme (1 live token; token from SCIM_TENANTS)`,
      `tenant globex (okta): ${example.baseUrl}/globex (1 live token; token from SCIM_TENANTS)`,
    ]);
    const everything = [...example.lines, ...example.logged].join('\n');
    expect(everything).not.toContain(ACME_TOKEN);
    expect(everything).not.toContain(GLOBEX_TOKEN);
  });
});

describe('examples/express with SCIM_TENANTS on a SQLite file', () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'scim-example-tenants-')));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const databaseUrl = `sqlite:${join(root, 'scim.db')}`;

  it('stores each tenant token once across restarts; a token SCIM_TENANTS no longer names is revoked, and one revoked stays revoked', async () => {
    let example = await startTenantExample({ SCIM_TENANTS: TENANTS }, { databaseUrl });
    const users = `${example.baseUrl}/acme/Users`;
    expect((await example.call(ACME_TOKEN, 'GET', users)).status).toBe(200);
    await example.stop();

    // The same configuration again: nothing new is stored.
    example = await startTenantExample({ SCIM_TENANTS: TENANTS }, { databaseUrl });
    expect(await example.tokenStore.list('acme')).toHaveLength(1);
    // globex's token revoked (through the admin route, or here its manager) stays revoked.
    const [globex] = await example.tokenStore.list('globex');
    await createTokenManager({ store: example.tokenStore }).revoke(globex?.id ?? '', {
      tenant: 'globex',
    });
    await example.stop();

    // acme gets a new token: the old one stops working, the new one works.
    const NEW_TOKEN = `acme_next_${'n'.repeat(40)}`;
    const changed = JSON.stringify({
      acme: { token: NEW_TOKEN, compatibility: 'entra' },
      globex: { token: GLOBEX_TOKEN, compatibility: 'okta' },
    });
    example = await startTenantExample({ SCIM_TENANTS: changed }, { databaseUrl });
    try {
      const users2 = `${example.baseUrl}/acme/Users`;
      expect((await example.call(ACME_TOKEN, 'GET', users2)).status).toBe(401);
      expect((await example.call(NEW_TOKEN, 'GET', users2)).status).toBe(200);
      expect(example.lines).toContain(
        'tenant acme: the token SCIM_TENANTS named before is revoked',
      );
      const globexUsers = `${example.baseUrl}/globex/Users`;
      expect((await example.call(GLOBEX_TOKEN, 'GET', globexUsers)).status).toBe(401);
      expect(example.lines).toContain(
        'tenant globex: the token SCIM_TENANTS names was revoked in the token store and is refused; put a new one in SCIM_TENANTS',
      );
    } finally {
      await example.stop();
    }
  }, 30_000);
});

describe('SCIM_TENANTS is checked at start-up', () => {
  const token = 'x'.repeat(40);
  const refused: readonly (readonly [string, Record<string, string>, RegExp])[] = [
    [
      'malformed JSON',
      { SCIM_TENANTS: `{"acme":{"token":"${token}"` },
      /^SCIM_TENANTS is not valid JSON; write it as \{"acme"/,
    ],
    ['an array', { SCIM_TENANTS: '[]' }, /SCIM_TENANTS must be a JSON object of tenants/],
    ['no tenant', { SCIM_TENANTS: '{}' }, /SCIM_TENANTS names no tenant/],
    [
      'an unknown preset',
      { SCIM_TENANTS: JSON.stringify({ acme: { token, compatibility: 'onelogin' } }) },
      /SCIM_TENANTS\["acme"\]\.compatibility is "onelogin", which is no preset; use one of rfc, default, entra, okta/,
    ],
    [
      'a tenant name with an upper-case letter',
      { SCIM_TENANTS: JSON.stringify({ Acme: { token } }) },
      /the tenant name "Acme" is not URL-safe/,
    ],
    [
      'a tenant name with a slash',
      { SCIM_TENANTS: JSON.stringify({ 'acme/x': { token } }) },
      /the tenant name "acme\/x" is not URL-safe/,
    ],
    [
      'a tenant name with _ (Okta refuses it in a base URL)',
      { SCIM_TENANTS: JSON.stringify({ acme_corp: { token } }) },
      /"acme_corp" is not URL-safe/,
    ],
    [
      'a tenant without a token',
      { SCIM_TENANTS: JSON.stringify({ acme: { compatibility: 'entra' } }) },
      /SCIM_TENANTS\["acme"\] has no token/,
    ],
    [
      'a token too short',
      { SCIM_TENANTS: JSON.stringify({ acme: { token: 'short-token' } }) },
      /SCIM_TENANTS\["acme"\]\.token is too short: a token needs at least 32 characters/,
    ],
    [
      'a token no client can send',
      { SCIM_TENANTS: JSON.stringify({ acme: { token: `${token} ${token}` } }) },
      /\.token must be a string of A-Z a-z 0-9/,
    ],
    [
      'one token for two tenants',
      { SCIM_TENANTS: JSON.stringify({ acme: { token }, globex: { token } }) },
      /SCIM_TENANTS\["globex"\]\.token is the token of tenant "acme" too/,
    ],
    [
      'a misspelt field',
      { SCIM_TENANTS: JSON.stringify({ acme: { token, compatability: 'entra' } }) },
      /has an unknown field "compatability"/,
    ],
    [
      'SCIM_TOKEN beside it',
      { SCIM_TENANTS: TENANTS, SCIM_TOKEN: 'dev-token' },
      /SCIM_TOKEN is for one tenant/,
    ],
    [
      'SCIM_EVENTS_PUSH_URL beside it',
      { SCIM_TENANTS: TENANTS, SCIM_EVENTS_PUSH_URL: 'http://127.0.0.1:9/events' },
      /SCIM_EVENTS_PUSH_URL is for one tenant/,
    ],
  ];
  for (const [what, env, message] of refused)
    it(`refuses ${what}, without repeating a token`, () => {
      let error: unknown;
      try {
        tenantsFromEnv(env);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(token);
      expect((error as Error).message).not.toContain(ACME_TOKEN);
    });

  it('takes a preset in any case, and SCIM_COMPATIBILITY (else default) for a tenant that names none', () => {
    const tenants = tenantsFromEnv({
      SCIM_TENANTS: JSON.stringify({
        acme: { token, compatibility: 'Entra' },
        initech: { token: `${token}y` },
      }),
      SCIM_COMPATIBILITY: 'okta',
    });
    expect(tenants).toEqual([
      { name: 'acme', token, compatibility: 'entra' },
      { name: 'initech', token: `${token}y`, compatibility: 'okta' },
    ]);
    expect(tenantsFromEnv({ SCIM_TENANTS: '  ' })).toBeUndefined();
  });

  for (const [what, value, message] of [
    ['malformed JSON', `{"acme":{"token":"${token}"}`, /^SCIM_TENANTS is not valid JSON/],
    ['a token too short', JSON.stringify({ acme: { token: 'short-but-secret' } }), /is too short/],
  ] as const)
    it(`as a process: ${what} prints the reason and exits 1 before listening`, async () => {
      const { code, output } = await runExampleToExit('express', {
        SCIM_TOKEN: '',
        SCIM_TENANTS: value,
      });
      expect(code).toBe(1);
      expect(output).toMatch(message);
      expect(output).not.toContain('SCIM 2.0 endpoint');
      expect(output).not.toContain(token);
      expect(output).not.toContain('short-but-secret');
    }, 30_000);
});

describe('examples/express as a process with SCIM_TENANTS', () => {
  const started = exampleProcess({ SCIM_TENANTS: TENANTS });

  it('serves each tenant at /scim/v2/{tenant}, prints its URL without a token, and stops on SIGTERM', async () => {
    const example = started();
    const output = example.output();
    expect(output).toContain(`tenant acme (entra): ${example.baseUrl}/acme (1 live token`);
    expect(output).toContain(`tenant globex (okta): ${example.baseUrl}/globex (1 live token`);
    expect(output).toContain(`SCIM 2.0 endpoint: ${example.baseUrl}/{tenant} (2 tenants; ready in`);
    const users = await fetch(`${example.baseUrl}/acme/Users`, {
      headers: { authorization: `Bearer ${ACME_TOKEN}` },
    });
    expect(users.status).toBe(200);
    await users.text();
    const crossed = await fetch(`${example.baseUrl}/acme/Users`, {
      headers: { authorization: `Bearer ${GLOBEX_TOKEN}` },
    });
    expect(crossed.status).toBe(404);
    await crossed.text();
    expect(example.output()).not.toContain(ACME_TOKEN);
    expect(example.output()).not.toContain(GLOBEX_TOKEN);
    example.child.kill('SIGTERM');
    expect(await example.exited).toBe(0);
  }, 30_000);
});
