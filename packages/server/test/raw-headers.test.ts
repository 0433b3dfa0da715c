// The debug record's request headers from an adapter's raw header list (ScimFetchContext.rawHeaders):
// the same record as from the Request's Headers, without listing them.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { RequestLogRecord } from '@scim/server';
import { redactedRawHeaders } from '../src/lib/observe.js';
import { BASE, U, server } from './helpers.js';
import { ORIGIN, tenantServer } from './fixtures/tenants.js';

/** What the record holds when it lists a `Headers` made from the same raw list. */
function fromHeaders(raw: readonly string[]): Record<string, string> {
  const headers = new Headers();
  for (let index = 0; index < raw.length; index += 2)
    headers.append(raw[index] as string, raw[index + 1] as string);
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = ['authorization', 'cookie', 'proxy-authorization'].includes(name)
      ? '[redacted]'
      : value;
  });
  return out;
}

const tokenChar = fc.constantFrom(...'abcXYZ019-_.!#$%&*+^`|~'.split(''));
const headerName = fc.oneof(
  fc.constantFrom(
    'Cookie',
    'cookie',
    'Set-Cookie',
    'Authorization',
    'AUTHORIZATION',
    'PROXY-AUTHORIZATION',
    'Accept',
    'X-Trace',
  ),
  fc.string({ unit: tokenChar, minLength: 1, maxLength: 12 }),
);
// Visible ASCII and the whitespace a value may hold or be padded with (none that Headers refuses).
const headerValue = fc.string({
  unit: fc.oneof(
    fc.constantFrom(' ', '\t'),
    fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
  ),
  maxLength: 20,
});

describe('request headers from the adapter’s raw list', () => {
  it('read as Headers reads them: names lowercased and sorted, values trimmed, repeats joined (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(headerName, headerValue), { maxLength: 12 }), (pairs) => {
        const raw = pairs.flat();
        const expected = fromHeaders(raw);
        const actual = redactedRawHeaders(raw);
        expect(actual).toEqual(expected);
        expect(Object.keys(actual)).toEqual(Object.keys(expected));
      }),
      { numRuns: 2_000 },
    );
  });

  it('leaves out what Headers would refuse: a name that is no token, an entry that is no string', () => {
    const raw: unknown[] = ['Authorization ', 'Bearer leaked', 'X-A', 7, 8, 'x', 'Accept', ' a\t'];
    expect(redactedRawHeaders(raw)).toEqual({ accept: 'a' });
  });

  it('trims a padded value in one pass, however long its inner run of spaces', () => {
    const value = `x${' '.repeat(200_000)}y`;
    expect(redactedRawHeaders(['X-Long', ` ${value} `])).toEqual({ 'x-long': value });
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
      expect(record.requestHeaders).toEqual({ authorization: '[redacted]', 'x-trace': 't' });
    expect(records).toHaveLength(3);
  });

  it('leaves out HTTP/2 pseudo-headers, as @hono/node-server leaves them out of its Headers', () => {
    expect(
      redactedRawHeaders([':method', 'GET', ':path', '/scim/v2/Users', 'Accept', '*/*']),
    ).toEqual({
      accept: '*/*',
    });
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
    expect(records[0]?.requestHeaders).toEqual({
      authorization: '[redacted]',
      'content-type': 'application/scim+json',
      'user-agent': 'Okta SCIM Client',
    });
    expect(JSON.stringify(records)).not.toContain('secret');
  });

  it('without a raw list, the record lists request.headers as before', async () => {
    const records: RequestLogRecord[] = [];
    const { handler } = server({ log: (record) => void records.push(record), debug: true });
    const request = new Request(`${BASE}/Users`, {
      headers: { authorization: 'Bearer secret', 'x-trace': 't1' },
    });
    await handler.fetch(request);
    expect(records[0]?.requestHeaders).toEqual({ authorization: '[redacted]', 'x-trace': 't1' });
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
    expect(records[0]?.requestHeaders).toEqual({ authorization: '[redacted]', 'x-trace': 'acme' });
  });
});
