// Issue 11, "Errors a developer can debug": a 500 names a request id that the server's log line
// also names; one structured log record per request; bodies only with debug, secrets redacted.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatRequestLog, type RequestLogRecord, type ScimStore } from '@scim/server';
import { createMemoryStore } from '@scim/server/memory';
import { BASE, PO, U, bj, expectError, server } from './helpers.js';
import { encodedLength } from '../src/lib/observe.js';

function failingUsers(): ScimStore {
  const store = createMemoryStore();
  return {
    ...store,
    get: store.get.bind(store),
    query: () => Promise.reject(new Error('connection refused: db-primary.internal:5432')),
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a 500 can be matched to its log line (RFC 7644 §3.12)', () => {
  it('by default onError logs the stack and the request id, and the 500 detail names the same id', async () => {
    const logged: unknown[][] = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args));
    const { call } = server({
      stores: { User: failingUsers(), Group: createMemoryStore() },
      onError: undefined,
    });
    const reply = await call('GET', '/Users');
    expectError(reply, 500);
    const id = reply.headers.get('x-request-id') as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(reply.body.detail).toBe(
      `The service provider could not complete the request. Request id: ${id}.`,
    );
    expect(reply.text).not.toContain('db-primary');
    expect(logged).toHaveLength(1);
    expect(String(logged[0]?.[0])).toContain(`GET /scim/v2/Users failed (request id ${id})`);
    expect((logged[0]?.[1] as Error).stack).toContain('connection refused');
  });

  it('a well-formed X-Request-Id from the client is kept, so both sides log one id', async () => {
    const ids: string[] = [];
    const { call } = server({
      stores: { User: failingUsers(), Group: createMemoryStore() },
      onError: (_error, _request, { requestId }) => ids.push(requestId),
    });
    const reply = await call('GET', '/Users', undefined, { 'x-request-id': 'entra-7f3a.42' });
    expect(reply.headers.get('x-request-id')).toBe('entra-7f3a.42');
    expect(reply.body.detail).toContain('Request id: entra-7f3a.42.');
    expect(ids).toEqual(['entra-7f3a.42']);
  });

  it('a malformed X-Request-Id is replaced, so it cannot forge log lines', async () => {
    const { call } = server();
    const reply = await call('GET', '/Users', undefined, { 'x-request-id': 'a b\tc' });
    expect(reply.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a bulk operation that fails unexpectedly names the bulk request id', async () => {
    const ids: string[] = [];
    const { call } = server({
      generateId: () => {
        throw new Error('id service down');
      },
      onError: (_error, _request, { requestId }) => ids.push(requestId),
    });
    const reply = await call('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [{ method: 'POST', path: '/Users', bulkId: 'a', data: bj }],
    });
    const id = reply.headers.get('x-request-id') as string;
    const [operation] = reply.body.Operations as { status: string; response: { detail: string } }[];
    expect(operation?.status).toBe('500');
    expect(operation?.response.detail).toContain(`Request id: ${id}.`);
    expect(ids).toEqual([id]);
  });
});

describe('the log option: one structured record per request', () => {
  function logged(options: Parameters<typeof server>[0] = {}) {
    const records: RequestLogRecord[] = [];
    const { call } = server({ log: (record) => void records.push(record), ...options });
    return { call, records };
  }

  it('says method, path, query, status, duration, principal and request id', async () => {
    const { call, records } = logged();
    const reply = await call('GET', '/Users?filter=userName%20eq%20%22x%22');
    expect(records).toHaveLength(1);
    const [record] = records;
    expect(record).toMatchObject({
      method: 'GET',
      path: '/scim/v2/Users',
      query: '?filter=userName%20eq%20%22x%22',
      status: 200,
      principal: 'test-client',
      tenant: undefined,
      requestId: reply.headers.get('x-request-id'),
    });
    expect(record?.durationMs).toBeGreaterThanOrEqual(0);
    expect(record?.error).toBeUndefined();
    expect(record).not.toHaveProperty('requestBody');
  });

  it('a 4xx record carries the scimType and detail the client was sent', async () => {
    const { call, records } = logged();
    await call('POST', '/Users', { schemas: [U] });
    expect(records[0]?.status).toBe(400);
    expect(records[0]?.error).toEqual({
      scimType: 'invalidValue',
      detail: expect.stringContaining('userName') as string,
    });
  });

  it('a 401 is logged without a principal', async () => {
    const { call, records } = logged();
    await call('GET', '/Users', undefined, { authorization: 'Bearer wrong' });
    expect(records[0]).toMatchObject({ status: 401, principal: undefined });
  });

  it('with debug, bodies and headers are logged with password and Authorization redacted', async () => {
    const { call, records } = logged({ debug: true });
    const created = await call('POST', '/Users', { ...bj, password: 'hunter2' });
    await call('PATCH', `/Users/${String(created.body.id)}`, {
      schemas: [PO],
      Operations: [
        { op: 'replace', path: 'password', value: 'hunter3' },
        { op: 'replace', value: { password: 'hunter4', nickName: 'Babs' } },
      ],
    });
    const text = JSON.stringify(records);
    expect(text).not.toMatch(/hunter|Bearer secret/);
    expect(records[0]?.requestBody).toMatchObject({ userName: 'bjensen', password: '[redacted]' });
    const headers = records[0]?.requestHeaders ?? [];
    expect(headers).toContain('authorization');
    expect(headers[headers.indexOf('authorization') + 1]).toBe('[redacted]');
    expect(records[0]?.responseBody).toMatchObject({ userName: 'bjensen', id: created.body.id });
    expect(records[1]?.requestBody).toMatchObject({
      Operations: [
        { op: 'replace', path: 'password', value: '[redacted]' },
        { op: 'replace', value: { password: '[redacted]', nickName: 'Babs' } },
      ],
    });
  });

  it('with debug, a password spelled with \\u escapes is redacted too', async () => {
    // The record scans each body's text for "password" before walking it; an escaped name must
    // not slip past that scan.
    const records: RequestLogRecord[] = [];
    const { handler } = server({ log: (record) => void records.push(record), debug: true });
    const response = await handler.fetch(
      new Request(`${BASE}/Users`, {
        method: 'POST',
        headers: { authorization: 'Bearer secret', 'content-type': 'application/scim+json' },
        body: `{"schemas":["${U}"],"userName":"bjensen","p\\u0061ssword":"hunter2"}`,
      }),
    );
    expect(response.status).toBe(201);
    expect(records[0]?.requestBody).toMatchObject({ password: '[redacted]' });
    expect(JSON.stringify(records)).not.toContain('hunter2');
  });

  /** POSTs `body` to /Users with debug on: the request's log record and the answer. */
  async function postWithDebug(body: BodyInit) {
    const records: RequestLogRecord[] = [];
    const { handler } = server({ log: (record) => void records.push(record), debug: true });
    const init: RequestInit & { duplex?: 'half' } = {
      method: 'POST',
      headers: { authorization: 'Bearer secret', 'content-type': 'application/scim+json' },
      body,
    };
    if (body instanceof ReadableStream) init.duplex = 'half';
    const response = await handler.fetch(new Request(`${BASE}/Users`, init));
    return { record: records[0], status: response.status, answered: await response.text() };
  }
  const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

  it.each([
    ['its size in UTF-8 bytes', 'Zoë 😀'],
    ['its whole size when longer than the 64 KiB counting buffer', 'é'.repeat(40_000)],
  ])('with debug, the record gives each body %s', async (_, displayName) => {
    const sent = JSON.stringify({ schemas: [U], userName: 'zoë', displayName });
    const { record, status, answered } = await postWithDebug(sent);
    expect(status).toBe(201);
    expect(utf8Bytes(sent)).toBeGreaterThan(sent.length);
    expect(record).toMatchObject({
      requestBodyBytes: utf8Bytes(sent),
      responseBodyBytes: utf8Bytes(answered),
    });
  });

  it.each([
    ['ASCII', 'plain text'],
    ['two- and four-byte characters', 'Zoë 😀'],
    ['a lone surrogate, encoded as U+FFFD', 'a\ud800b'],
    ['text longer than the 64 KiB counting buffer', 'é'.repeat(40_000)],
  ])(
    'where the runtime has no Buffer, the count of a body in UTF-8 bytes is right for %s',
    (_, text) => {
      expect(encodedLength(text)).toBe(utf8Bytes(text));
    },
  );

  it('with debug, an error answer logs the SCIM error body it sent, and the response body is still whole for the caller', async () => {
    const records: RequestLogRecord[] = [];
    const { handler } = server({ log: (record) => void records.push(record), debug: true });
    const response = await handler.fetch(
      new Request(`${BASE}/Users/nope`, { headers: { authorization: 'Bearer secret' } }),
    );
    expect(response.status).toBe(404);
    expect(records[0]?.responseBody).toMatchObject({
      status: '404',
      detail: expect.any(String) as string,
    });
    // The log took the body the response was made from: the caller reads it whole.
    expect(await response.json()).toEqual(records[0]?.responseBody);
  });

  it('with debug, a 204 is logged by the time its response is handed back, with no body', async () => {
    const { call, records } = logged({ debug: true });
    const created = await call('POST', '/Users', bj);
    const deleted = await call('DELETE', `/Users/${String(created.body.id)}`);
    expect(deleted.status).toBe(204);
    expect(records[1]).toMatchObject({ method: 'DELETE', status: 204 });
    expect(records[1]).not.toHaveProperty('responseBody');
    expect(records[1]).not.toHaveProperty('responseBodyBytes');
  });

  it('with debug, the record never asks a response for its body: a light response (Hono) stays light', async () => {
    // Hono's Node server answers with a Response of its own that turns into a full one, written
    // slower, once its body is read; the record has the body the handler kept instead.
    const records: RequestLogRecord[] = [];
    const { handler, call } = server({ log: (record) => void records.push(record), debug: true });
    const created = await call('POST', '/Users', bj);
    const bodyRead = vi.spyOn(Response.prototype, 'body', 'get');
    const send = (method: string) =>
      handler.fetch(
        new Request(`${BASE}/Users/${String(created.body.id)}`, {
          method,
          headers: { authorization: 'Bearer secret' },
        }),
      );
    const read = await send('GET');
    const deleted = await send('DELETE');
    expect([read.status, deleted.status]).toEqual([200, 204]);
    expect(bodyRead).not.toHaveBeenCalled();
    expect(records[1]).toMatchObject({ method: 'GET', responseBody: { userName: 'bjensen' } });
    expect(records[2]).toMatchObject({ method: 'DELETE', status: 204 });
  });

  it('with debug, a body sent without Content-Length is sized in the bytes read', async () => {
    const sent = new TextEncoder().encode(
      JSON.stringify({ schemas: [U], userName: 'zoë', displayName: 'Zoë 😀' }),
    );
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(sent.slice(0, 20));
        controller.enqueue(sent.slice(20));
        controller.close();
      },
    });
    const { record, status } = await postWithDebug(chunked);
    expect(status).toBe(201);
    expect(record).toMatchObject({ requestBodyBytes: sent.byteLength });
  });

  it('an async logger that rejects is reported to onError, never an unhandled rejection', async () => {
    const errors: unknown[] = [];
    const { call } = server({
      log: () => Promise.reject(new Error('log sink gone')),
      onError: (error) => errors.push(error),
    });
    expect((await call('GET', '/Users')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(String(errors[0])).toContain('log sink gone');
  });

  it('a bulk request is authenticated once, not once per operation', async () => {
    let calls = 0;
    const { call } = server({
      authenticate: () => {
        calls += 1;
        return { principal: 'entra', tenant: 'acme' };
      },
    });
    const reply = await call('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'a', data: bj },
        { method: 'POST', path: '/Users', bulkId: 'b', data: { ...bj, userName: 'other' } },
      ],
    });
    expect((reply.body.Operations as { status: string }[]).map((o) => o.status)).toEqual([
      '201',
      '201',
    ]);
    expect(calls).toBe(1);
  });

  it('a request the client abandoned is not reported to onError', async () => {
    const errors: unknown[] = [];
    const users = createMemoryStore();
    const controller = new AbortController();
    const { handler } = server({
      stores: {
        User: {
          ...users,
          query: async (query, context) => {
            controller.abort();
            await Promise.resolve();
            context.signal.throwIfAborted();
            return users.query(query, context);
          },
        },
        Group: createMemoryStore(),
      },
      onError: (error) => errors.push(error),
    });
    const response = await handler.fetch(
      new Request('https://app.example.com/scim/v2/Users', {
        headers: { authorization: 'Bearer secret' },
        signal: controller.signal,
      }),
    );
    expect(response.status).toBe(500);
    expect(errors).toEqual([]);
  });

  it('a logger that throws does not fail the request; the failure goes to onError', async () => {
    const errors: unknown[] = [];
    const { call } = server({
      log: () => {
        throw new Error('log sink full');
      },
      onError: (error) => errors.push(error),
    });
    expect((await call('GET', '/Users')).status).toBe(200);
    expect(String(errors[0])).toContain('log sink full');
  });
});

describe('formatRequestLog: one readable line per request', () => {
  const record: RequestLogRecord = {
    requestId: 'r1',
    method: 'PATCH',
    path: '/scim/v2/Users/2819c223',
    query: '',
    status: 200,
    durationMs: 1.234,
    principal: 'entra',
    tenant: undefined,
  };

  it('says method, path, status and duration', () => {
    expect(formatRequestLog(record)).toBe('PATCH /scim/v2/Users/2819c223 200 1.2 ms');
  });

  it('puts the scimType and detail of an error on the next line', () => {
    expect(
      formatRequestLog({
        ...record,
        status: 400,
        error: { scimType: 'invalidValue', detail: "Attribute 'active' must be a boolean" },
      }),
    ).toBe(
      "PATCH /scim/v2/Users/2819c223 400 1.2 ms\n  invalidValue: Attribute 'active' must be a boolean",
    );
  });

  it('shows the query decoded, with control characters kept escaped so no line can be forged', () => {
    const line = formatRequestLog({
      ...record,
      method: 'GET',
      path: '/scim/v2/Users',
      query: '?filter=userName%20eq%20%22a%0AGET%20/fake%20200%22',
    });
    expect(line).toBe('GET /scim/v2/Users?filter=userName eq "a%0AGET /fake 200" 200 1.2 ms');
    expect(line).not.toContain('\n');
  });

  it('keeps an error detail that quotes client text on its one line', () => {
    const text = formatRequestLog({
      ...record,
      status: 404,
      error: { scimType: undefined, detail: 'User x\nGET /scim/v2/Users 200 1.0 ms not found' },
    });
    expect(text.split('\n')).toEqual([
      'PATCH /scim/v2/Users/2819c223 404 1.2 ms',
      '  User x%0AGET /scim/v2/Users 200 1.0 ms not found',
    ]);
  });

  it('adds the bodies with debug', () => {
    expect(
      formatRequestLog({ ...record, requestBody: { a: 1 }, responseBody: { b: 2 } }).split('\n'),
    ).toEqual([
      'PATCH /scim/v2/Users/2819c223 200 1.2 ms',
      '  request: {"a":1}',
      '  response: {"b":2}',
    ]);
  });

  it('leaves the bodies out with bodies: false, and the error and rules in', () => {
    const kept: RequestLogRecord = {
      ...record,
      status: 400,
      error: { scimType: 'invalidValue', detail: 'bad' },
      compatibility: [{ rule: 'booleanStrings', layer: 'validation', path: 'active' }],
      requestBody: { password: '[redacted]', active: 'False' },
      responseBody: { status: '400' },
    };
    expect(formatRequestLog(kept, { bodies: false }).split('\n')).toEqual([
      'PATCH /scim/v2/Users/2819c223 400 1.2 ms',
      '  invalidValue: bad',
      '  compatibility: booleanStrings at active',
    ]);
    expect(formatRequestLog(kept, { bodies: true })).toContain('  request: ');
  });
});
