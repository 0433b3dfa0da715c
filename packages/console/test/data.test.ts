// What the console shows: the bounded history, each request's error and bodies, the change a write
// made, the outbox with its retry, tenants and tokens; and that no secret is in any of it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RequestLogRecord } from '@scim/server';
import { createScimConsole } from '../src/index.ts';
import {
  CONSOLE_TOKEN,
  createFixture,
  entraUser,
  NEW_PASSWORD,
  PATCH_SCHEMA,
  type Fixture,
  deactivateAsEntra,
} from './fixture.ts';

const bearer = { authorization: `Bearer ${CONSOLE_TOKEN}` };
const getJson = async (fixture: Fixture, path: string) => {
  const reply = await fixture.page(path, { headers: bearer });
  expect(reply.status).toBe(200);
  return (await reply.json()) as Record<string, unknown> & {
    requests: { id: string; seq: number; method: string }[];
  };
};

function record(index: number): RequestLogRecord {
  return {
    requestId: `r${index}`,
    method: 'GET',
    path: '/scim/v2/Users',
    query: '',
    status: 200,
    durationMs: 1,
    principal: undefined,
    tenant: undefined,
  };
}

describe('console history and data', () => {
  it('keeps a bounded history: the newest `historySize` requests, newest first', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 60 }),
        async (size, count) => {
          const scimConsole = createScimConsole({
            basePath: '/c',
            credential: CONSOLE_TOKEN,
            historySize: size,
          });
          for (let i = 1; i <= count; i++) scimConsole.record(record(i));
          const reply = await scimConsole.fetch(
            new Request('https://x.example/c/api/requests', { headers: bearer }),
          );
          const body = (await reply.json()) as { requests: { id: string }[] };
          const expected = Array.from({ length: Math.min(size, count) }, (_, i) => `r${count - i}`);
          expect(body.requests.map((r) => r.id)).toEqual(expected);
          if (count > size) {
            const gone = await scimConsole.fetch(
              new Request('https://x.example/c/api/requests/1', { headers: bearer }),
            );
            expect(gone.status).toBe(404);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('`after` lists only the requests recorded since, for live updates', async () => {
    const fixture = await createFixture();
    await fixture.scim('GET', '/Users');
    const first = await getJson(fixture, '/api/requests');
    const seq = (first.requests[0] as unknown as { seq: number }).seq;
    await fixture.scim('GET', '/Groups');
    const later = await getJson(fixture, `/api/requests?after=${seq}`);
    expect(later.requests.map((r) => (r as unknown as { path: string }).path)).toEqual([
      '/scim/v2/Groups',
    ]);
  });

  it('RFC 7644 §3.12 (errors carry scimType and detail): a refused Entra create shows its error and its body', async () => {
    const fixture = await createFixture();
    expect((await fixture.scim('POST', '/Users', entraUser('bjensen@example.com'))).status).toBe(
      201,
    );
    const duplicate = await fixture.scim('POST', '/Users', entraUser('bjensen@example.com'));
    expect(duplicate.status).toBe(409);
    const { requests } = await getJson(fixture, '/api/requests');
    const detail = await getJson(fixture, `/api/requests/${requests[0]?.seq ?? 0}`);
    expect(detail).toMatchObject({
      method: 'POST',
      status: 409,
      scimType: 'uniqueness',
      dialect: 'entra',
    });
    expect((detail.error as { detail: string }).detail).toMatch(/userName/);
    expect(detail.requestBody).toMatchObject({
      userName: 'bjensen@example.com',
      password: '[redacted]',
    });
    expect(detail.responseBody).toMatchObject({ scimType: 'uniqueness', status: '409' });
  });

  it('RFC 7644 §3.5.2 (PATCH modifies attributes): the detail shows the change as a before/after diff', async () => {
    const fixture = await createFixture();
    const created = (await (
      await fixture.scim('POST', '/Users', entraUser('pat@example.com'))
    ).json()) as { id: string };
    const patch = await fixture.scim('PATCH', `/Users/${created.id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [
        { op: 'Replace', path: 'name.givenName', value: 'Patricia' },
        { op: 'Replace', path: 'password', value: NEW_PASSWORD },
      ],
    });
    expect(patch.status).toBe(200);
    const { requests } = await getJson(fixture, '/api/requests');
    const detail = await getJson(fixture, `/api/requests/${requests[0]?.seq ?? 0}`);
    const changes = detail.changes as {
      type: string;
      diff: { path: string; before?: unknown; after?: unknown }[];
    }[];
    expect(changes[0]?.type).toBe('updated');
    expect(changes[0]?.diff).toContainEqual({
      path: 'name.givenName',
      before: 'Barbara',
      after: 'Patricia',
    });
    // The password changed too: said, never shown.
    expect(changes[0]?.diff).toContainEqual({ path: 'password', after: '[changed]' });
  });

  it('idp-quirks §3.1 items 1 and 2 (Entra PATCH "op": "Replace", "value": "False"): the detail lists the compatibility rules that applied', async () => {
    const fixture = await createFixture({ dialect: 'configured-label' });
    await deactivateAsEntra(fixture, 'quirk@example.com');
    const { requests } = await getJson(fixture, '/api/requests');
    const detail = await getJson(fixture, `/api/requests/${requests[0]?.seq ?? 0}`);
    // The dialect the endpoint reports wins over the console's own option.
    expect(detail.dialect).toBe('entra');
    expect(detail.compatibility).toEqual([
      { rule: 'caseInsensitiveOp', layer: 'patch', path: 'Operations[0].op' },
      { rule: 'booleanStrings', layer: 'patch', path: 'active' },
    ]);
    const create = await getJson(fixture, `/api/requests/${requests[1]?.seq ?? 0}`);
    expect(create.compatibility).toEqual([]);
  });

  it('a record without dialect (another log source) shows the `dialect` option', async () => {
    const scimConsole = createScimConsole({
      basePath: '/console',
      credential: CONSOLE_TOKEN,
      dialect: (tenant) => (tenant === 'acme' ? 'okta' : undefined),
    });
    scimConsole.record({ ...record(1), tenant: 'acme' });
    const reply = await scimConsole.fetch(
      new Request('https://scim.example.com/console/api/requests/1', { headers: bearer }),
    );
    expect(await reply.json()).toMatchObject({ dialect: 'okta', compatibility: [] });
  });

  it('RFC 7644 §3.5: a failing hook is dead in the outbox with its error, and retrying it delivers it', async () => {
    const fixture = await createFixture();
    fixture.failHook = true;
    await deactivateAsEntra(fixture, 'leaver@example.com');
    type Entry = {
      id: string;
      type: string;
      state: string;
      attempts: number;
      lastError: string | null;
    };
    const dead = ((await getJson(fixture, '/api/outbox')).entries as Entry[]).find(
      (e) => e.type === 'deactivated',
    );
    expect(dead).toMatchObject({ state: 'dead', attempts: 1 });
    expect(dead?.lastError).toMatch(/session service/);
    fixture.failHook = false;
    const retry = await fixture.page(`/api/outbox/${dead?.id ?? ''}/retry`, {
      method: 'POST',
      headers: bearer,
    });
    expect(retry.status).toBe(200);
    await fixture.handler.deliverDue();
    const after = ((await getJson(fixture, '/api/outbox')).entries as Entry[]).find(
      (e) => e.id === dead?.id,
    );
    expect(after?.state).toBe('delivered');
    const again = await fixture.page(`/api/outbox/${dead?.id ?? ''}/retry`, {
      method: 'POST',
      headers: bearer,
    });
    expect(again.status).toBe(409);
  });

  it('tenants list token labels and last use, and the rates count requests per minute by status', async () => {
    const fixture = await createFixture();
    await fixture.scim('GET', '/Users');
    await fixture.scim('GET', '/Users/nope');
    const tenants = await getJson(fixture, '/api/tenants');
    const acme = (
      tenants.tenants as { name: string; tokens: { label: string; state: string }[] }[]
    )[0];
    expect(acme?.tokens.map((t) => t.label).sort()).toEqual(['entra-prod', 'okta-test']);
    const rates = (await getJson(fixture, '/api/rates')).requests as unknown as Record<
      string,
      { ok: number; clientError: number }[]
    >;
    const series = rates[''] ?? [];
    expect(series).toHaveLength(60);
    expect(series.at(-1)).toMatchObject({ ok: 1, clientError: 1 });
  });

  it('RFC 7643 §4.1.1 (password is writeOnly, never returned) and RFC 6750 §5.3: no password, token or hash in any answer', async () => {
    const fixture = await createFixture();
    fixture.failHook = true;
    const created = (await (
      await fixture.scim('POST', '/Users', entraUser('secret@example.com'))
    ).json()) as { id: string };
    await fixture.scim('PATCH', `/Users/${created.id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [
        { op: 'replace', path: 'password', value: NEW_PASSWORD },
        { op: 'replace', value: { password: NEW_PASSWORD, active: false } },
      ],
    });
    await fixture.scim('PUT', `/Users/${created.id}`, {
      ...entraUser('secret@example.com'),
      password: NEW_PASSWORD,
    });
    await fixture.scim('POST', '/Users', entraUser('secret@example.com'));
    await fixture.scim('DELETE', `/Users/${created.id}`);
    // One user stays stored with its password, in a group, for the resources view to read.
    const kept = (await (
      await fixture.scim('POST', '/Users', entraUser('kept@example.com'))
    ).json()) as { id: string };
    await fixture.scim('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Keepers',
      members: [{ value: kept.id }],
    });
    const { requests } = await getJson(fixture, '/api/requests');
    const paths = [
      '/',
      '/login',
      '/console.js',
      '/console.css',
      '/api/requests',
      '/api/outbox',
      '/api/tenants',
      '/api/rates',
      '/api/resources?type=User',
      '/api/resources?type=Group',
      `/api/resources?type=User&filter=${encodeURIComponent('userName eq "kept@example.com"')}`,
      `/api/resources?type=User&filter=${encodeURIComponent('password eq "x"')}`,
    ];
    paths.push(...requests.map((r) => `/api/requests/${r.seq}`));
    expect(requests.length).toBeGreaterThanOrEqual(5);
    for (const path of paths) {
      const text = await (await fixture.page(path, { headers: bearer })).text();
      for (const secret of fixture.secrets) expect(text, path).not.toContain(secret);
      // The stored password hash (PBKDF2) is a secret too.
      expect(text, path).not.toMatch(/pbkdf2|\$[0-9a-z]+\$/i);
    }
  });
});
