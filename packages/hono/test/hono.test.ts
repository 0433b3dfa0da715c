// The shared conformance kit against a Hono app, through app.request (no server needed).
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { RequestLogRecord } from '@scim/server';
import { ScimError } from '@scim/core';
import { scimHandler } from '@scim/hono';
import { createMemoryStore } from '@scim/server/memory';
import { conformanceCases } from '@scim/server/testing';

const TOKEN = 'Bearer hono';
const app = new Hono();
app.get('/', (c) => c.text('an app with a SCIM endpoint'));
const scim = scimHandler({
  stores: { User: createMemoryStore(), Group: createMemoryStore() },
  hashPassword: (password) => Promise.resolve(`test:${password.length}`),
  authenticate: (request) => {
    if (request.headers.get('authorization') !== TOKEN)
      throw ScimError.unauthorized('A valid bearer token is required');
    return { principal: 'test' };
  },
});
// The base path itself serves queries across resource types (GET /scim/v2?filter=…).
app.all('/scim/v2', scim);
app.all('/scim/v2/*', scim);

describe('Hono', () => {
  const target = {
    fetch: (request: Request) => Promise.resolve(app.fetch(request)),
    baseUrl: 'https://hono.test/scim/v2',
    headers: { authorization: TOKEN },
  };
  for (const conformance of conformanceCases(target))
    it(`${conformance.id}: ${conformance.name}`, conformance.run);

  it('keeps the base path in meta.location and leaves other routes to the app', async () => {
    const response = await app.request('https://hono.test/scim/v2/Users', {
      method: 'POST',
      headers: { authorization: TOKEN, 'content-type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'hono-user',
      }),
    });
    const body = (await response.json()) as { meta: { location: string } };
    expect(body.meta.location.startsWith('https://hono.test/scim/v2/Users/')).toBe(true);
    expect(await (await app.request('https://hono.test/')).text()).toBe(
      'an app with a SCIM endpoint',
    );
  });

  it('hands the handler @hono/node-server’s raw header list, which the debug log record copies', async () => {
    const records: RequestLogRecord[] = [];
    const debugApp = new Hono();
    const logged = scimHandler({
      stores: { User: createMemoryStore(), Group: createMemoryStore() },
      authenticate: () => ({ principal: 'test' }),
      log: (record) => void records.push(record),
      debug: true,
    });
    debugApp.all('/scim/v2/*', logged);
    const rawHeaders = ['Authorization', TOKEN, 'X-Trace', 'from the raw list'];
    // What @hono/node-server passes as c.env: Node's incoming message, here its raw headers only.
    const response = await debugApp.request(
      'https://hono.test/scim/v2/Users',
      { headers: { authorization: TOKEN } },
      { incoming: { rawHeaders } },
    );
    expect(response.status).toBe(200);
    expect(records[0]?.requestHeaders).toEqual([
      'Authorization',
      '[redacted]',
      'X-Trace',
      'from the raw list',
    ]);
    await debugApp.request('https://hono.test/scim/v2/Users', {
      headers: { 'x-trace': 'request' },
    });
    expect(records[1]?.requestHeaders).toEqual(['x-trace', 'request']);
    // Other runtimes' env (Workers bindings), or a rawHeaders that is no list, are not taken for it.
    for (const env of [{ DB: {}, incoming: 'x' }, { incoming: { rawHeaders: 'X-Trace: raw' } }])
      await debugApp.request(
        'https://hono.test/scim/v2/Users',
        { headers: { 'x-trace': 'request' } },
        env,
      );
    expect(records.slice(2).map((record) => record.requestHeaders)).toEqual([
      ['x-trace', 'request'],
      ['x-trace', 'request'],
    ]);
  });
});
