// The `rateLimit` option through createScimHandler: every authenticated request counts against its
// tenant, before its body is read; the answer over the limit is a SCIM 429.
import { ScimError, SCIM_MEDIA_TYPE } from '@scim/core';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '@scim/server/memory';
import { createScimHandler, type ScimHandlerOptions } from '@scim/server';

const BASE = 'https://app.example.com/scim/v2';
const T0 = new Date('2026-01-01T00:00:00Z');

function handler(options: Partial<ScimHandlerOptions> = {}) {
  const scim = createScimHandler({
    stores: { User: createMemoryStore(), Group: createMemoryStore() },
    now: () => T0,
    authenticate: (request) => {
      const tenant = /^Bearer (\w+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
      if (tenant === undefined) throw ScimError.unauthorized('A bearer token is required');
      return { principal: `token-of-${tenant}`, tenant };
    },
    rateLimit: { requests: 2, windowSeconds: 10 },
    ...options,
  });
  return (method: string, path: string, tenant?: string, body?: string) =>
    scim.fetch(
      new Request(`${BASE}${path}`, {
        method,
        headers: {
          ...(tenant === undefined ? {} : { authorization: `Bearer ${tenant}` }),
          ...(body === undefined ? {} : { 'content-type': SCIM_MEDIA_TYPE }),
        },
        ...(body === undefined ? {} : { body }),
      }),
    );
}

describe('rateLimit option', () => {
  it('answers the request over the limit 429 with Retry-After and a SCIM error', async () => {
    const call = handler();
    expect((await call('GET', '/Users', 'acme')).status).toBe(200);
    expect((await call('GET', '/Groups', 'acme')).status).toBe(200);
    const refused = await call('GET', '/Users', 'acme');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    const body = (await refused.json()) as { status: string; detail: string };
    expect(body.status).toBe('429');
    expect(body.detail).toContain('at most 2 per 10 s');
  });

  it('counts tenants apart', async () => {
    const call = handler();
    for (let i = 0; i < 3; i++) await call('GET', '/Users', 'acme');
    expect((await call('GET', '/Users', 'globex')).status).toBe(200);
  });

  it('refuses before reading the body: a malformed body over the limit is 429, not 400', async () => {
    const call = handler();
    await call('GET', '/Users', 'acme');
    await call('GET', '/Users', 'acme');
    expect((await call('POST', '/Users', 'acme', '{not json')).status).toBe(429);
  });

  it('does not count public discovery', async () => {
    const call = handler({ rateLimit: { requests: 1, windowSeconds: 10 } });
    for (let i = 0; i < 3; i++)
      expect((await call('GET', '/ServiceProviderConfig')).status).toBe(200);
    expect((await call('GET', '/Users', 'acme')).status).toBe(200);
  });

  it('lets the request through when the limiter fails, and tells onError with the request id', async () => {
    const failures: unknown[] = [];
    const outage = new Error('Redis is down');
    const call = handler({
      rateLimit: { requests: 1, windowSeconds: 10, limiter: { hit: () => Promise.reject(outage) } },
      onError: (error, _request, { requestId }) => failures.push([error, typeof requestId]),
    });
    expect((await call('GET', '/Users', 'acme')).status).toBe(200);
    expect(failures).toEqual([[outage, 'string']]);
  });

  it("answers 503 when the limiter fails and onLimiterError is 'refuse'", async () => {
    const failures: unknown[] = [];
    const call = handler({
      rateLimit: {
        requests: 1,
        windowSeconds: 10,
        limiter: { hit: () => Promise.reject(new Error('Redis is down')) },
        onLimiterError: 'refuse',
      },
      onError: (error) => failures.push(error),
    });
    const response = await call('GET', '/Users', 'acme');
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(failures).toHaveLength(1);
  });

  it('refuses an impossible limit when the handler is made', () => {
    expect(() => handler({ rateLimit: { requests: 0, windowSeconds: 10 } })).toThrow(TypeError);
  });
});
