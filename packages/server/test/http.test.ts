import { describe, expect, it } from 'vitest';
import { ScimError } from '@scim/core';
import { bj, BASE, expectError, server, U } from './helpers.js';

describe('HTTP (RFC 7644 §3.1, §3.8, §3.12)', () => {
  it('P-HTTP-01/P-HTTP-02: responses are application/scim+json whatever the client accepts', async () => {
    const { call } = server();
    for (const accept of ['application/scim+json', 'application/json', '*/*']) {
      const reply = await call('GET', '/Users', undefined, { accept });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toBe('application/scim+json');
    }
  });

  it('P-HTTP-03: request bodies must be SCIM or plain JSON; anything else is 415', async () => {
    const { call } = server();
    expect(
      (await call('POST', '/Users', bj, { 'content-type': 'application/json; charset=utf-8' }))
        .status,
    ).toBe(201);
    expectError(
      await call('POST', '/Users', JSON.stringify(bj), { 'content-type': 'text/plain' }),
      415,
    );
  });

  it('P-HTTP-04: unknown query parameters are ignored', async () => {
    const { call } = server();
    expect((await call('GET', '/Users?foo=bar')).status).toBe(200);
  });

  it('P-HTTP-05: percent-encoded and plus-encoded filters decode', async () => {
    const { call } = server();
    await call('POST', '/Users', bj);
    expect(
      (await call('GET', '/Users?filter=userName%20eq%20%22bjensen%22')).body.totalResults,
    ).toBe(1);
    expect((await call('GET', '/Users?filter=userName+eq+%22bjensen%22')).body.totalResults).toBe(
      1,
    );
  });

  it('P-HTTP-06: an optional /v2 segment is accepted under the base path, another version is invalidVers', async () => {
    const { call } = server({ basePath: '/scim' });
    expect((await call('GET', 'https://app.example.com/scim/Users')).status).toBe(200);
    expect((await call('GET', 'https://app.example.com/scim/v2/Users')).status).toBe(200);
    expectError(await call('GET', 'https://app.example.com/scim/v3/Users'), 400, 'invalidVers');
    expectError(await call('GET', 'https://app.example.com/other/Users'), 404);
  });

  it('P-HTTP-07/P-SEC-11: 401 carries WWW-Authenticate', async () => {
    const { call } = server();
    const reply = await call('GET', '/Users', undefined, { authorization: 'Bearer expired' });
    expectError(reply, 401);
    expect(reply.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('P-HTTP-09: a .scim suffix is part of the id', async () => {
    const { call } = server();
    const { body } = await call('POST', '/Users', bj);
    expectError(await call('GET', `/Users/${body.id as string}.scim`), 404);
  });

  it('P-CRUD-21/P-SEC-02: a denied principal gets 403', async () => {
    const { call } = server({
      authenticate: () => {
        throw ScimError.forbidden('This client may only read');
      },
    });
    expectError(await call('DELETE', '/Users/x'), 403);
  });

  it('P-CRUD-22/P-SEARCH-08: a method an endpoint does not have is 405 with Allow', async () => {
    const { call } = server();
    const reply = await call('PUT', '/Users', bj);
    expectError(reply, 405);
    expect(reply.headers.get('allow')).toBe('GET, POST');
    expectError(await call('GET', '/Users/.search'), 405);
    expectError(await call('POST', '/Users/abc', bj), 405);
    expectError(await call('POST', '/Users/abc/.search', {}), 404);
  });

  it('unknown routes are 404 SCIM errors', async () => {
    const { call } = server();
    expectError(await call('GET', '/Nope'), 404);
    expectError(await call('GET', '/Users/a/b'), 404);
  });

  it('P-SEC-13: a body over the size limit is 413', async () => {
    const { call } = server({ limits: { maxPayloadBytes: 1024 } });
    expectError(await call('POST', '/Users', { ...bj, displayName: 'x'.repeat(2000) }), 413);
  });

  it('P-ERR-14/P-SEC-12: a failing store is a generic 500 that reaches onError and leaks nothing', async () => {
    const seen: unknown[] = [];
    const failing = {
      get: () => Promise.reject(new Error('connection to 10.0.0.7 refused: password=hunter2')),
      query: () => Promise.reject(new Error('boom')),
      create: () => Promise.reject(new Error('boom')),
      replace: () => Promise.reject(new Error('boom')),
      delete: () => Promise.reject(new Error('boom')),
    };
    const { call } = server({
      stores: { User: failing, Group: failing },
      onError: (error) => seen.push(error),
    });
    const reply = await call('GET', '/Users/x');
    expectError(reply, 500);
    expect(reply.text).not.toContain('hunter2');
    expect(reply.text).not.toContain('10.0.0.7');
    expect(seen).toHaveLength(1);
  });

  it('P-SEC-08: a filter cannot inject: quotes stay inside the value', async () => {
    const { call } = server();
    await call('POST', '/Users', bj);
    const reply = await call(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "x\\" or 1=1 --"')}`,
    );
    expect(reply.status).toBe(200);
    expect(reply.body.totalResults).toBe(0);
  });

  it('P-SEC-10: generated locations carry no userinfo, even from a configured base URL', async () => {
    const { call } = server({ baseUrl: 'https://user:pass@app.example.com/scim/v2/' });
    const reply = await call('POST', '/Users', bj);
    expect(String((reply.body.meta as Record<string, string>).location)).toMatch(
      new RegExp(`^${BASE}/Users/`),
    );
    expect(reply.headers.get('location')).not.toContain('@');
  });

  it('two handlers in one process keep their own data and options (no global state)', async () => {
    const a = server();
    const b = server({ basePath: '/tenant-b/scim/v2' });
    await a.call('POST', '/Users', bj);
    expect((await a.call('GET', '/Users')).body.totalResults).toBe(1);
    expect(
      (await b.call('GET', 'https://app.example.com/tenant-b/scim/v2/Users')).body.totalResults,
    ).toBe(0);
  });

  it('P-SEC-07: tenants named by authenticate are isolated in the memory store', async () => {
    const { call } = server({
      authenticate: (request) => ({
        principal: 'x',
        tenant: request.headers.get('x-tenant') ?? 'a',
      }),
    });
    await call('POST', '/Users', bj, { 'x-tenant': 'a' });
    expect((await call('POST', '/Users', bj, { 'x-tenant': 'b' })).status).toBe(201);
    expect((await call('GET', '/Users', undefined, { 'x-tenant': 'b' })).body.totalResults).toBe(1);
    expect((await call('GET', '/Users', undefined, { 'x-tenant': 'c' })).body.totalResults).toBe(0);
  });

  it('P-CRUD-05: null in a create body leaves the attribute unassigned', async () => {
    const { call } = server();
    expect(
      (await call('POST', '/Users', { schemas: [U], userName: 'n', active: null })).body,
    ).not.toHaveProperty('active');
  });
});

describe('transport security (RFC 7644 §7.2)', () => {
  const at = (origin: string) => `${origin}/scim/v2/ServiceProviderConfig`;

  it('P-SEC-01/U-06: plain HTTP to a non-loopback host is refused with 403, discovery included', async () => {
    const { call } = server();
    expectError(await call('GET', at('http://scim.example.com')), 403);
    expectError(await call('GET', 'http://scim.example.com/scim/v2/Users'), 403);
    expect((await call('GET', at('https://scim.example.com'))).status).toBe(200);
  });

  it('P-SEC-01: loopback hosts are served over plain HTTP, for development', async () => {
    const { call } = server();
    for (const origin of ['http://localhost:8080', 'http://127.0.0.1', 'http://[::1]:3000'])
      expect((await call('GET', at(origin))).status).toBe(200);
  });

  it('P-SEC-01: allowInsecureHttp accepts plain HTTP; trustForwardedProto believes X-Forwarded-Proto only when set', async () => {
    expect(
      (
        await server({ transport: { allowInsecureHttp: true } }).call(
          'GET',
          at('http://app.internal'),
        )
      ).status,
    ).toBe(200);
    const forwarded = { 'x-forwarded-proto': 'https' };
    expectError(await server().call('GET', at('http://app.internal'), undefined, forwarded), 403);
    const behindProxy = server({ transport: { trustForwardedProto: true } });
    expect(
      (await behindProxy.call('GET', at('http://app.internal'), undefined, forwarded)).status,
    ).toBe(200);
    expectError(
      await behindProxy.call('GET', at('http://app.internal'), undefined, {
        'x-forwarded-proto': 'http',
      }),
      403,
    );
  });
});
