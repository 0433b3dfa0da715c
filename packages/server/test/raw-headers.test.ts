// The debug record's request headers from an adapter's raw header list (ScimFetchContext.rawHeaders):
// the same record as from the Request's Headers, without listing them.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { RequestLogRecord } from '@scim/server';
import { redactedRawHeaders } from '../src/lib/observe.js';
import { BASE, U, server } from './helpers.js';
import { ORIGIN, tenantServer } from './fixtures/tenants.js';

const SECRET = ['authorization', 'cookie', 'proxy-authorization'];
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The model: the pairs whose name is a token and both entries strings, secret values redacted. */
function expectedList(raw: readonly unknown[]): string[] {
  const out: string[] = [];
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = raw[index];
    const value = raw[index + 1];
    if (typeof name !== 'string' || typeof value !== 'string' || !TOKEN.test(name)) continue;
    out.push(name, SECRET.includes(name.toLowerCase()) ? '[redacted]' : value);
  }
  return out;
}

const tokenChar = fc.constantFrom(...'abcXYZ019-_.!#$%&*+^`|~'.split(''));
const headerName = fc.oneof(
  fc.constantFrom(
    'Cookie',
    'cOOkie',
    'Set-Cookie',
    'Authorization',
    'AUTHORIZATION',
    'PROXY-AUTHORIZATION',
    'Proxy-Authorization',
    'Accept',
    'X-Trace',
    // Not header names: left out, never shown, whatever they hold.
    'Authorization ',
    ':authorization',
    'proxy\rauthorization',
    '',
  ),
  fc.string({ unit: tokenChar, minLength: 1, maxLength: 12 }),
);
// Visible ASCII and the whitespace a value may hold or be padded with.
const headerValue = fc.string({
  unit: fc.oneof(
    fc.constantFrom(' ', '\t'),
    fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
  ),
  maxLength: 20,
});
const entry = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(headerName, headerValue) },
  { weight: 1, arbitrary: fc.tuple(headerName, fc.constantFrom(7, null, undefined)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(8, null), headerValue) },
);

describe('request headers from the adapter’s raw list', () => {
  it('kept as sent, in order and case, a secret header’s value redacted in any case (property)', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 12 }), fc.boolean(), (pairs, odd) => {
        const raw: unknown[] = pairs.flat();
        if (odd) raw.push('X-Dangling');
        const actual = redactedRawHeaders(raw);
        expect(actual).toEqual(expectedList(raw));
        for (let index = 0; index < actual.length; index += 2)
          if (SECRET.includes(String(actual[index]).toLowerCase()))
            expect(actual[index + 1]).toBe('[redacted]');
      }),
      { numRuns: 2_000 },
    );
  });

  it('leaves out what Headers would refuse: a name that is no token, an entry that is no string', () => {
    const raw: unknown[] = ['Authorization ', 'Bearer leaked', 'X-A', 7, 8, 'x', 'Accept', 'a'];
    expect(redactedRawHeaders(raw)).toEqual(['Accept', 'a']);
  });

  it('keeps a repeated header once per line, as sent', () => {
    expect(
      redactedRawHeaders(['Accept', 'a', 'accept', 'b', 'Cookie', 'c=1', 'COOKIE', 'd=2']),
    ).toEqual(['Accept', 'a', 'accept', 'b', 'Cookie', '[redacted]', 'COOKIE', '[redacted]']);
  });

  it('gives the adapter’s own list back when nothing in it needs changing', () => {
    const raw = ['Accept', '*/*', 'X-Trace', 't'];
    expect(redactedRawHeaders(raw)).toBe(raw);
    // …and never changes the adapter's list when something does.
    const secret = ['Authorization', 'Bearer secret', 'Accept', '*/*'];
    expect(redactedRawHeaders(secret)).toEqual(['Authorization', '[redacted]', 'Accept', '*/*']);
    expect(secret[1]).toBe('Bearer secret');
  });

  it('handler.fetch still fits where a runtime passes a second argument of its own (types)', async () => {
    type NodeServerFetch = (
      request: Request,
      env: { incoming: unknown; outgoing: unknown },
    ) => Promise<Response> | Response;
    type WorkerFetch = (request: Request, env: { DB: unknown }, ctx: unknown) => Promise<Response>;
    const records: RequestLogRecord[] = [];
    const { handler } = server({ log: (record) => void records.push(record), debug: true });
    const served: NodeServerFetch = handler.fetch;
    const worker: WorkerFetch = handler.fetch;
    const headers = { authorization: 'Bearer secret', 'x-trace': 't' };
    await served(new Request(`${BASE}/Users`, { headers }), { incoming: {}, outgoing: {} });
    await worker(new Request(`${BASE}/Users`, { headers }), { DB: {} }, {});
    // An env that happens to hold a `rawHeaders` of another kind is not taken for the list.
    await handler.fetch(new Request(`${BASE}/Users`, { headers }), {
      rawHeaders: 'x',
    } as unknown as undefined);
    for (const record of records)
      expect(record.requestHeaders).toEqual(['authorization', '[redacted]', 'x-trace', 't']);
    expect(records).toHaveLength(3);
  });

  it('leaves out HTTP/2 pseudo-headers, as @hono/node-server leaves them out of its Headers', () => {
    expect(
      redactedRawHeaders([':method', 'GET', ':path', '/scim/v2/Users', 'Accept', '*/*']),
    ).toEqual(['Accept', '*/*']);
  });

  it('with debug, the record takes the raw list the adapter gave, secrets redacted, and never lists request.headers', async () => {
    const records: RequestLogRecord[] = [];
    const { handler } = server({ log: (record) => void records.push(record), debug: true });
    const request = new Request(`${BASE}/Users`, {
      method: 'POST',
      headers: { authorization: 'Bearer secret', 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: [U], userName: 'bjensen' }),
    });
    const listed = vi.spyOn(request.headers, 'forEach');
    const response = await handler.fetch(request, {
      rawHeaders: [
        'Content-Type',
        'application/scim+json',
        'Authorization',
        'Bearer secret',
        'User-Agent',
        'Okta SCIM Client',
      ],
    });
    expect(response.status).toBe(201);
    expect(listed).not.toHaveBeenCalled();
    expect(records[0]?.requestHeaders).toEqual([
      'Content-Type',
      'application/scim+json',
      'Authorization',
      '[redacted]',
      'User-Agent',
      'Okta SCIM Client',
    ]);
    expect(JSON.stringify(records)).not.toContain('secret');
  });

  it('without a raw list, the record lists request.headers: lowercased and sorted, as Headers lists them', async () => {
    const records: RequestLogRecord[] = [];
    const { handler } = server({ log: (record) => void records.push(record), debug: true });
    const request = new Request(`${BASE}/Users`, {
      headers: {
        'X-Trace': 't1',
        Authorization: 'Bearer secret',
        'x-trace': 't2',
        Cookie: 'session=secret',
        'Proxy-Authorization': 'Basic secret',
      },
    });
    await handler.fetch(request);
    expect(records[0]?.requestHeaders).toEqual([
      'authorization',
      '[redacted]',
      'cookie',
      '[redacted]',
      'proxy-authorization',
      '[redacted]',
      'x-trace',
      't1, t2',
    ]);
  });

  it('a multi-tenant handler hands the raw list to its tenant’s record too', async () => {
    const records: RequestLogRecord[] = [];
    const { handler, tokenFor } = tenantServer({
      tenantFrom: 'url',
      log: (record: RequestLogRecord) => void records.push(record),
      debug: true,
    });
    const token = await tokenFor('acme');
    const request = new Request(`${ORIGIN}/scim/v2/acme/Users`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const response = await handler.fetch(request, {
      rawHeaders: ['Authorization', `Bearer ${token}`, 'X-Trace', 'acme'],
    });
    expect(response.status).toBe(200);
    expect(records[0]?.requestHeaders).toEqual(['Authorization', '[redacted]', 'X-Trace', 'acme']);
  });
});
