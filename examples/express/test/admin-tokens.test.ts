// The example's admin route (issue 15): with SCIM_ADMIN_TOKEN set, /admin issues (the token shown
// once), lists (never a secret), rotates and revokes each tenant's SCIM tokens, behind that
// credential alone; a revocation holds from the very next SCIM request.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashBearerToken } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { createApp } from '../app.mjs';
import { adminTokenFromEnv } from '../tenants.mjs';
import {
  ACME_TOKEN,
  ADMIN_TOKEN,
  call,
  exampleProcess,
  GLOBEX_TOKEN,
  startTenantExample,
  TENANTS,
  USER_SCHEMA,
  type RunningExample,
} from './tenant-example.ts';

interface Listed {
  readonly id: string;
  readonly label: string;
  readonly state: string;
  readonly scopes: readonly string[] | null;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

describe('examples/express admin route with SCIM_TENANTS', () => {
  let example: RunningExample;
  /** Every token the admin route handed out, to look for in the answers that must not hold one. */
  const issued: string[] = [];
  const acmeTokens = () => `${example.adminUrl}/tenants/acme/tokens`;
  const admin = (method: string, url: string, body?: unknown) =>
    call(ADMIN_TOKEN, method, url, body);
  const scim = (token: string, tenant: string, method = 'GET', path = '/Users', body?: unknown) =>
    example.call(token, method, `${example.baseUrl}/${tenant}${path}`, body);
  const issue = async (body: unknown = { label: 'entra' }) => {
    const reply = await admin('POST', acmeTokens(), body);
    expect(reply.status).toBe(201);
    const token = String(reply.body.token);
    issued.push(token);
    return { token, id: String(reply.body.id), body: reply.body };
  };
  const list = async () => {
    const reply = await admin('GET', acmeTokens());
    expect(reply.status).toBe(200);
    for (const token of [...issued, ACME_TOKEN, GLOBEX_TOKEN, ADMIN_TOKEN])
      expect(reply.text).not.toContain(token);
    expect(reply.text).not.toContain('sha256');
    return reply.body.tokens as Listed[];
  };
  beforeAll(async () => {
    example = await startTenantExample({ SCIM_TENANTS: TENANTS, SCIM_ADMIN_TOKEN: ADMIN_TOKEN });
  });
  afterAll(() => example.stop());

  it('RFC 6750 §3: without a credential the admin route is 401 with a Bearer challenge, whatever the path or method', async () => {
    for (const [method, url] of [
      ['GET', acmeTokens()],
      ['POST', acmeTokens()],
      ['DELETE', `${acmeTokens()}/some-id`],
      ['GET', `${example.adminUrl}/tenants/initech/tokens`],
      ['GET', `${example.adminUrl}/nothing`],
    ] as const) {
      const reply = await call(undefined, method, url);
      expect(reply.status).toBe(401);
      expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="admin"');
      expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it('RFC 6750 §3.1: a wrong credential, a SCIM token included, is 401 invalid_token; the admin token opens no SCIM endpoint', async () => {
    for (const token of [`${ADMIN_TOKEN}x`, ACME_TOKEN, GLOBEX_TOKEN, ADMIN_TOKEN.slice(1)]) {
      const reply = await call(token, 'GET', acmeTokens());
      expect(reply.status).toBe(401);
      expect(reply.headers.get('www-authenticate')).toBe(
        'Bearer realm="admin", error="invalid_token"',
      );
    }
    expect((await scim(ADMIN_TOKEN, 'acme')).status).toBe(401);
  });

  it("issues a token shown once, that works at once on its tenant's URL only, and lists it with its label, dates and scopes but no secret", async () => {
    const { token, id, body } = await issue({ label: 'entra', expiresAt: '2999-01-01T00:00:00Z' });
    expect(token).toMatch(/^scim_[0-9A-Za-z]{43}$/);
    expect(body).toMatchObject({
      tenantUrl: `${example.baseUrl}/acme`,
      label: 'entra',
      state: 'live',
      scopes: null,
      expiresAt: '2999-01-01T00:00:00.000Z',
      lastUsedAt: null,
    });
    expect((await scim(token, 'acme')).status).toBe(200);
    expect((await scim(token, 'globex')).status).toBe(404);
    // The use is recorded after the answer, unawaited: wait for it.
    let listed: Listed | undefined;
    for (let attempt = 0; attempt < 50 && listed?.lastUsedAt == null; attempt += 1) {
      listed = (await list()).find((entry) => entry.id === id);
      if (listed?.lastUsedAt == null) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(listed).toMatchObject({ label: 'entra', state: 'live', scopes: null });
    expect(Date.parse(listed?.createdAt ?? '')).not.toBeNaN();
    expect(Date.parse(listed?.lastUsedAt ?? '')).not.toBeNaN();
    expect(Object.keys(listed ?? {}).sort()).toEqual(
      [
        'createdAt',
        'expiresAt',
        'id',
        'label',
        'lastUsedAt',
        'revokedAt',
        'rotatedFrom',
        'scopes',
        'state',
      ].sort(),
    );
    // The configured token is listed too, without its value.
    expect((await list()).map((entry) => entry.label)).toContain('SCIM_TENANTS');
  });

  it('revocation takes effect at once: the next SCIM request with the token is 401 "revoked"', async () => {
    const { token, id } = await issue();
    expect((await scim(token, 'acme')).status).toBe(200);
    const revoked = await admin('DELETE', `${acmeTokens()}/${id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id, state: 'revoked' });
    const refused = await scim(token, 'acme');
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ detail: 'The bearer token has been revoked' });
    expect((await list()).find((entry) => entry.id === id)?.state).toBe('revoked');
    expect((await admin('DELETE', `${acmeTokens()}/no-such-id`)).status).toBe(404);
  });

  it("the configured token of SCIM_TENANTS can be revoked too; globex's token stays unaffected", async () => {
    const configured = (await list()).find((entry) => entry.label === 'SCIM_TENANTS');
    expect((await admin('DELETE', `${acmeTokens()}/${configured?.id ?? ''}`)).status).toBe(200);
    expect((await scim(ACME_TOKEN, 'acme')).status).toBe(401);
    expect((await scim(GLOBEX_TOKEN, 'globex')).status).toBe(200);
  });

  it('rotate hands out a new token once; with overlapSeconds 0 the old one ends at once', async () => {
    const old = await issue({ label: 'okta-sync' });
    const reply = await admin('POST', `${acmeTokens()}/${old.id}/rotate`, { overlapSeconds: 0 });
    expect(reply.status).toBe(201);
    const next = String(reply.body.token);
    issued.push(next);
    expect(next).not.toBe(old.token);
    expect(reply.body).toMatchObject({ label: 'okta-sync', rotatedFrom: old.id, state: 'live' });
    expect((await scim(next, 'acme')).status).toBe(200);
    expect((await scim(old.token, 'acme')).status).toBe(401);
    // A token that is no longer live cannot be rotated again.
    expect((await admin('POST', `${acmeTokens()}/${old.id}/rotate`, {})).status).toBe(404);
  });

  it('rotate without overlapSeconds keeps the old token working until it is revoked', async () => {
    const old = await issue();
    const reply = await admin('POST', `${acmeTokens()}/${old.id}/rotate`);
    expect(reply.status).toBe(201);
    issued.push(String(reply.body.token));
    expect((await scim(old.token, 'acme')).status).toBe(200);
    expect((await scim(String(reply.body.token), 'acme')).status).toBe(200);
  });

  it("RFC 6750 §3.1: a token issued with scopes: ['scim:read'] reads, and a write is 403 insufficient_scope", async () => {
    const { token, body } = await issue({ label: 'audit', scopes: ['scim:read'] });
    expect(body.scopes).toEqual(['scim:read']);
    expect((await scim(token, 'acme')).status).toBe(200);
    const write = await scim(token, 'acme', 'POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'x',
    });
    expect(write.status).toBe(403);
    expect(write.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", scope="scim:write"',
    );
  });

  it("is per tenant: acme's token id is unknown on globex's route, and an unknown tenant is 404", async () => {
    const { token, id } = await issue();
    expect((await admin('DELETE', `${example.adminUrl}/tenants/globex/tokens/${id}`)).status).toBe(
      404,
    );
    expect(
      (await admin('POST', `${example.adminUrl}/tenants/globex/tokens/${id}/rotate`)).status,
    ).toBe(404);
    expect((await scim(token, 'acme')).status).toBe(200);
    const globex = await admin('GET', `${example.adminUrl}/tenants/globex/tokens`);
    expect((globex.body.tokens as Listed[]).map((entry) => entry.id)).not.toContain(id);
    expect((await admin('GET', `${example.adminUrl}/tenants/initech/tokens`)).status).toBe(404);
  });

  it('refuses what it cannot do with 400, 405 or 404 as problem details', async () => {
    for (const [body, detail] of [
      [{ scopes: ['scim:wirte'] }, /unknown scope 'scim:wirte'/],
      [{ expiresAt: '2001-01-01T00:00:00Z' }, /expiresAt must be in the future/],
      [{ expiresAt: 'soon' }, /expiresAt must be a date and time/],
      [{ lable: 'typo' }, /Unknown field "lable"/],
      [{ label: '' }, /label must be a non-empty string/],
      ['{"label":', /not valid JSON/],
      ['[1]', /must be a JSON object/],
    ] as const) {
      const reply = await admin('POST', acmeTokens(), body);
      expect(reply.status).toBe(400);
      expect(String(reply.body.detail)).toMatch(detail);
    }
    const rotate = await admin('POST', `${acmeTokens()}/x/rotate`, { overlapSeconds: -1 });
    expect(rotate.status).toBe(400);
    const put = await admin('PUT', acmeTokens(), {});
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
    expect((await admin('GET', `${example.adminUrl}/tenants/acme`)).status).toBe(404);
  });

  it('no answer of the admin route may be cached: Cache-Control: no-store', async () => {
    const issuedReply = await admin('POST', acmeTokens(), {});
    issued.push(String(issuedReply.body.token));
    expect(issuedReply.headers.get('cache-control')).toBe('no-store');
    expect((await admin('GET', acmeTokens())).headers.get('cache-control')).toBe('no-store');
    expect((await call(undefined, 'GET', acmeTokens())).headers.get('cache-control')).toBe(
      'no-store',
    );
  });

  it('logs what it did without a secret', () => {
    const text = example.logged.join('\n');
    expect(text).toMatch(/admin: issued token [0-9a-f-]{36} \(entra\) of acme/);
    expect(text).toMatch(/admin: revoked token \S+ \(\S+\) of acme/);
    expect(text).toMatch(/admin: rotated token \S+ into \S+ \(okta-sync\) of acme/);
    for (const token of issued) expect(text).not.toContain(token);
  });
});

describe('examples/express admin route with one tenant', () => {
  it('lists SCIM_TOKEN, whose revocation holds at once, and issues tokens for the same endpoint', async () => {
    const example = await startTenantExample({
      SCIM_TOKEN: 'dev-token',
      SCIM_ADMIN_TOKEN: ADMIN_TOKEN,
    });
    try {
      const tokens = `${example.adminUrl}/tokens`;
      const listed = await call(ADMIN_TOKEN, 'GET', tokens);
      expect(listed.body).toMatchObject({
        tenantUrl: example.baseUrl,
        tokens: [{ label: 'SCIM_TOKEN', state: 'live' }],
      });
      expect(listed.body).not.toHaveProperty('tenant');
      expect(listed.text).not.toContain('dev-token');
      const created = await example.call('dev-token', 'POST', `${example.baseUrl}/Users`, {
        schemas: [USER_SCHEMA],
        userName: 'bjensen',
      });
      expect(created.status).toBe(201);
      const issued = await call(ADMIN_TOKEN, 'POST', tokens, { label: 'entra' });
      expect(issued.status).toBe(201);
      expect(issued.body.tenantUrl).toBe(example.baseUrl);
      // The issued token sees what SCIM_TOKEN made.
      const found = await example.call(
        String(issued.body.token),
        'GET',
        `${example.baseUrl}/Users`,
      );
      expect(found.body).toMatchObject({ totalResults: 1, Resources: [{ userName: 'bjensen' }] });
      const configured = (listed.body.tokens as Listed[])[0];
      expect((await call(ADMIN_TOKEN, 'DELETE', `${tokens}/${configured?.id ?? ''}`)).status).toBe(
        200,
      );
      expect((await example.call('dev-token', 'GET', `${example.baseUrl}/Users`)).status).toBe(401);
      expect(
        (await example.call(String(issued.body.token), 'GET', `${example.baseUrl}/Users`)).status,
      ).toBe(200);
      expect(
        (await call(ADMIN_TOKEN, 'GET', `${example.adminUrl}/tenants/acme/tokens`)).status,
      ).toBe(404);
    } finally {
      await example.stop();
    }
  });

  it('takes SCIM_TOKEN_SHA256 as the digests to store, and refuses an entry that is no digest without repeating it', async () => {
    const digest = await hashBearerToken('dev-token');
    const example = await startTenantExample({
      SCIM_TOKEN_SHA256: digest.toUpperCase().replace('SHA256:', 'sha256:'),
      SCIM_ADMIN_TOKEN: ADMIN_TOKEN,
    });
    try {
      expect((await example.call('dev-token', 'GET', `${example.baseUrl}/Users`)).status).toBe(200);
      const listed = await call(ADMIN_TOKEN, 'GET', `${example.adminUrl}/tokens`);
      expect(listed.body).toMatchObject({
        tokens: [{ label: 'SCIM_TOKEN_SHA256', state: 'live' }],
      });
    } finally {
      await example.stop();
    }
    await expect(
      startTenantExample({
        SCIM_TOKEN_SHA256: `${digest},not-a-digest-but-a-token`,
        SCIM_ADMIN_TOKEN: ADMIN_TOKEN,
      }),
    ).rejects.toThrow(
      /^SCIM_TOKEN_SHA256: entry 2 is not the SHA-256 digest of a token: expected 'sha256:' and 64 hex digits/,
    );
  });

  it("turning the admin route on keeps the users: the store's tokens act in the data SCIM_TOKEN made without it", async () => {
    const storage = createMemoryStorage();
    const before = createApp({
      storage,
      tokens: [await hashBearerToken('dev-token')],
      baseUrl: 'http://127.0.0.1/scim/v2',
      log: () => {},
    });
    const server = createServer(before);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const created = await call('dev-token', 'POST', `http://127.0.0.1:${port}/scim/v2/Users`, {
      schemas: [USER_SCHEMA],
      userName: 'bjensen',
    });
    expect(created.status).toBe(201);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await before.close();

    const example = await startTenantExample(
      { SCIM_TOKEN: 'dev-token', SCIM_ADMIN_TOKEN: ADMIN_TOKEN },
      { storage },
    );
    try {
      const issued = await call(ADMIN_TOKEN, 'POST', `${example.adminUrl}/tokens`, {});
      for (const token of ['dev-token', String(issued.body.token)]) {
        const found = await example.call(token, 'GET', `${example.baseUrl}/Users`);
        expect(found.body).toMatchObject({ totalResults: 1, Resources: [{ id: created.body.id }] });
      }
    } finally {
      await example.stop();
    }
  });

  it('without SCIM_TOKEN, issues a first token and prints it once with the Tenant URL; a store that holds a live token issues none', async () => {
    const example = await startTenantExample({ SCIM_ADMIN_TOKEN: ADMIN_TOKEN });
    try {
      const [first, adminLine] = example.lines;
      const token = /Secret Token: (scim_[0-9A-Za-z]{43})$/.exec(first ?? '')?.[1] ?? '';
      expect(first).toBe(
        `SCIM_TOKEN is not set; a first token is issued, shown this once (GET ${example.adminUrl}/tokens lists it without the secret):\n` +
          `  Tenant URL:   ${example.baseUrl}\n  Secret Token: ${token}`,
      );
      expect(adminLine).toBe(
        `admin: ${example.adminUrl}/tokens (Authorization: Bearer SCIM_ADMIN_TOKEN)`,
      );
      expect((await example.call(token, 'GET', `${example.baseUrl}/Users`)).status).toBe(200);
      const listed = await call(ADMIN_TOKEN, 'GET', `${example.adminUrl}/tokens`);
      expect(listed.body).toMatchObject({ tokens: [{ label: 'first', state: 'live' }] });
      expect(listed.text).not.toContain(token);
    } finally {
      await example.stop();
    }
  });

  it("a multi-tenant run's token on the same store does not open the single-tenant endpoint", async () => {
    const tenants = await startTenantExample({ SCIM_TENANTS: TENANTS });
    const tokenStore = tenants.tokenStore;
    await tenants.stop();
    // The single-tenant app over the same token store: acme's token names a tenant it does not serve.
    const app = createApp({
      tokenStore,
      baseUrl: 'http://127.0.0.1/scim/v2',
      log: () => {},
    });
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const reply = await call(ACME_TOKEN, 'GET', `http://127.0.0.1:${port}/scim/v2/Users`);
      expect(reply.status).toBe(401);
      expect(reply.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
    }
  });

  it('P-SEC-01: behind a plain-HTTP public base URL the admin route is refused with 403, like the SCIM endpoint', async () => {
    const example = await startTenantExample(
      { SCIM_TOKEN: 'dev-token', SCIM_ADMIN_TOKEN: ADMIN_TOKEN },
      { baseUrl: 'http://scim.example.com/scim/v2' },
    );
    try {
      const reply = await call(ADMIN_TOKEN, 'GET', `${example.adminUrl}/tokens`);
      expect(reply.status).toBe(403);
      expect(String(reply.body.detail)).toMatch(/requires HTTPS/);
      expect((await example.call('dev-token', 'GET', `${example.baseUrl}/Users`)).status).toBe(403);
    } finally {
      await example.stop();
    }
  });

  it('without SCIM_ADMIN_TOKEN there is no admin route, and SCIM tokens are checked as before', async () => {
    const server = createServer(
      createApp({
        tokens: [await hashBearerToken('dev-token')],
        baseUrl: 'http://127.0.0.1/scim/v2',
        log: () => {},
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      expect((await call(ADMIN_TOKEN, 'GET', `http://127.0.0.1:${port}/admin/tokens`)).status).toBe(
        404,
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('SCIM_ADMIN_TOKEN is checked at start-up', () => {
  it('is off when unset or empty', () => {
    expect(adminTokenFromEnv({}, undefined)).toBeUndefined();
    expect(adminTokenFromEnv({ SCIM_ADMIN_TOKEN: '' }, undefined)).toBeUndefined();
  });
  it('refuses a token too short, and one that is also a SCIM token, without repeating it', async () => {
    expect(() => adminTokenFromEnv({ SCIM_ADMIN_TOKEN: 'admin' }, undefined)).toThrow(
      /^SCIM_ADMIN_TOKEN is too short: a token needs at least 32 characters/,
    );
    const same = { SCIM_ADMIN_TOKEN: ADMIN_TOKEN, SCIM_TOKEN: ADMIN_TOKEN };
    expect(() => adminTokenFromEnv(same, undefined)).toThrow(/must differ from every SCIM token/);
    const digest = {
      SCIM_ADMIN_TOKEN: ADMIN_TOKEN,
      SCIM_TOKEN_SHA256: await hashBearerToken(ADMIN_TOKEN),
    };
    expect(() => adminTokenFromEnv(digest, undefined)).toThrow(/must differ from every SCIM token/);
    const tenants = [{ name: 'acme', token: ADMIN_TOKEN, compatibility: 'entra' as const }];
    expect(() => adminTokenFromEnv({ SCIM_ADMIN_TOKEN: ADMIN_TOKEN }, tenants)).toThrow(
      /must differ from every SCIM token/,
    );
    try {
      adminTokenFromEnv({ SCIM_ADMIN_TOKEN: 'admin' }, undefined);
    } catch (error) {
      expect((error as Error).message).not.toContain("'admin'");
    }
  });
});

describe('examples/express as a process with SCIM_ADMIN_TOKEN and no SCIM_TOKEN', () => {
  const started = exampleProcess({ SCIM_ADMIN_TOKEN: ADMIN_TOKEN });

  it('prints the first token once with its Tenant URL, and the admin route lists, then revokes it', async () => {
    const example = started();
    const output = example.output();
    const token = /Secret Token: (scim_[0-9A-Za-z]{43})\n/.exec(output)?.[1] ?? '';
    expect(output).toContain(`  Tenant URL:   ${example.baseUrl}\n`);
    expect(output.split(token)).toHaveLength(2);
    expect(output).not.toContain(ADMIN_TOKEN);
    const users = `${example.baseUrl}/Users`;
    expect((await call(token, 'GET', users)).status).toBe(200);
    const admin = example.baseUrl.replace(/\/scim\/v2$/, '/admin/tokens');
    const listed = await call(ADMIN_TOKEN, 'GET', admin);
    const [first] = listed.body.tokens as Listed[];
    expect(first).toMatchObject({ label: 'first', state: 'live' });
    expect((await call(ADMIN_TOKEN, 'DELETE', `${admin}/${first?.id ?? ''}`)).status).toBe(200);
    expect((await call(token, 'GET', users)).status).toBe(401);
    example.child.kill('SIGTERM');
    expect(await example.exited).toBe(0);
  }, 30_000);
});
