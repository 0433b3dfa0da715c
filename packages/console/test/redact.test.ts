// A password in a PATCH operation never reaches the console, however the client spells the
// operation's members. The server's PATCH reader takes `op`, `path` and `value` in any case, so a
// `"Path": "password"` sets the password as surely as `"path": "password"`; the console's redaction
// matches those names in any case too, as the server's debug-log redaction does. Records here come
// both through the SCIM handler's debug log and straight from another log source, unredacted.
import { describe, expect, it } from 'vitest';
import type { RequestLogRecord } from '@scim/server';
import { createScimConsole } from '../src/index.ts';
import { CONSOLE_TOKEN, createFixture, entraUser, PATCH_SCHEMA, USER_SCHEMA } from './fixture.ts';

const bearer = { authorization: `Bearer ${CONSOLE_TOKEN}` };
const CAPITALISED = 'Capitalised-Path-Secret-1';
const SHOUTED = 'Shouted-Path-Secret-2';
const PATHLESS = 'Pathless-Urn-Key-Secret-3';

/** A PATCH request body setting the password three ways, none with a lowercase `path`. */
const patchBody = {
  schemas: [PATCH_SCHEMA],
  Operations: [
    { Op: 'replace', Path: 'password', Value: CAPITALISED },
    { OP: 'Replace', PATH: `${USER_SCHEMA}:password`, VALUE: SHOUTED },
    // A path-less value keyed by the attribute's full name (the presets' `pathKeysInValue`).
    { op: 'replace', value: { [`${USER_SCHEMA}:password`]: PATHLESS, displayName: 'B. Jensen' } },
  ],
};

describe('console redaction of PATCH operations', () => {
  it('RFC 7643 §4.1.1 (password is writeOnly) and RFC 7644 §3.5.2: Path, PATH and Value in any case, and a path-less urn:…:password key, are redacted in a record from any log source', async () => {
    const scimConsole = createScimConsole({ basePath: '/c', credential: CONSOLE_TOKEN });
    const record: RequestLogRecord = {
      requestId: 'raw-patch',
      method: 'PATCH',
      path: '/scim/v2/Users/2819c223',
      query: '',
      status: 200,
      durationMs: 3,
      principal: undefined,
      tenant: undefined,
      requestHeaders: ['content-type', 'application/scim+json'],
      requestBody: patchBody,
    };
    scimConsole.record(record);
    const reply = await scimConsole.fetch(
      new Request('https://x.example/c/api/requests/1', { headers: bearer }),
    );
    const text = await reply.text();
    for (const secret of [CAPITALISED, SHOUTED, PATHLESS]) expect(text).not.toContain(secret);
    const { requestBody } = JSON.parse(text) as { requestBody: typeof patchBody };
    expect(requestBody.Operations).toEqual([
      { Op: 'replace', Path: 'password', Value: '[redacted]' },
      { OP: 'Replace', PATH: `${USER_SCHEMA}:password`, VALUE: '[redacted]' },
      {
        op: 'replace',
        value: { [`${USER_SCHEMA}:password`]: '[redacted]', displayName: 'B. Jensen' },
      },
    ]);
  });

  it('RFC 7643 §4.1.1: the same PATCH sent to an Entra-dialect endpoint leaves no password in any console answer', async () => {
    const fixture = await createFixture();
    const created = (await (
      await fixture.scim('POST', '/Users', entraUser('bjensen@example.com'))
    ).json()) as { id: string };
    const patched = await fixture.scim('PATCH', `/Users/${created.id}`, patchBody);
    expect(patched.status).toBe(200);
    const list = (await (await fixture.page('/api/requests', { headers: bearer })).json()) as {
      requests: { seq: number; method: string }[];
    };
    const answers = [JSON.stringify(list)];
    for (const request of list.requests)
      answers.push(
        await (await fixture.page(`/api/requests/${request.seq}`, { headers: bearer })).text(),
      );
    for (const path of ['/api/outbox', '/api/rates', '/api/tenants'])
      answers.push(await (await fixture.page(path, { headers: bearer })).text());
    const everything = answers.join('\n');
    expect(everything).toContain('[redacted]');
    for (const secret of [CAPITALISED, SHOUTED, PATHLESS, ...fixture.secrets])
      expect(everything).not.toContain(secret);
  });
});
