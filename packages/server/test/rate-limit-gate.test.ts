// What the handler runs per request: the key, the cost, the 429, and what happens when the limiter
// itself fails. No Redis here: failing limiters are stand-ins.
import { createHash } from 'node:crypto';
import { ERROR_URN } from '@scim/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RateLimiter } from '../src/lib/limits/limiter.js';
import { createRateLimitGate, type RateLimitOptions } from '../src/lib/limits/rate-limit.js';
import {
  createRedisRateLimiter,
  GCRA_SCRIPT,
  type RedisScriptClient,
} from '../src/lib/limits/redis-limiter.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const request = (method = 'GET') =>
  new Request('https://scim.example.com/scim/v2/Users', { method });
const acme = { principal: 'entra', tenant: 'acme' };

async function spend(
  gate: ReturnType<typeof createRateLimitGate>,
  times: number,
  authentication = acme,
): Promise<void> {
  for (let i = 0; i < times; i++) await gate(request(), authentication, T0);
}

describe('rate limit gate', () => {
  afterEach(() => vi.useRealTimers());

  it('answers 429 with a SCIM error body and Retry-After in whole seconds', async () => {
    const gate = createRateLimitGate({ requests: 2, windowSeconds: 5 });
    await spend(gate, 2);
    const verdict = await gate(request(), acme, T0);
    const response = verdict.refusal!.toResponse();
    expect(response.status).toBe(429);
    expect(response.headers.get('content-type')).toBe('application/scim+json');
    // One emission interval, 2.5 s, rounded up.
    expect(response.headers.get('retry-after')).toBe('3');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      schemas: [ERROR_URN],
      status: '429',
      detail: 'Too many requests: at most 2 per 5 s; retry after 3 s',
    });
  });

  it("counts every request of a tenant against the tenant, whoever's token it carries", async () => {
    const gate = createRateLimitGate({ requests: 2, windowSeconds: 60 });
    await spend(gate, 1, { principal: 'token-1', tenant: 'acme' });
    await spend(gate, 1, { principal: 'token-2', tenant: 'acme' });
    const verdict = await gate(request('DELETE'), { principal: 'token-3', tenant: 'acme' }, T0);
    expect(verdict.refusal?.status).toBe(429);
  });

  it('counts tenants apart', async () => {
    const gate = createRateLimitGate({ requests: 1, windowSeconds: 60 });
    await spend(gate, 1, acme);
    const verdict = await gate(request(), { principal: 'okta', tenant: 'globex' }, T0);
    expect(verdict.refusal).toBeUndefined();
  });

  it('counts no request that carries no authentication (public discovery)', async () => {
    const gate = createRateLimitGate({ requests: 1, windowSeconds: 60 });
    for (let i = 0; i < 3; i++) expect(await gate(request(), undefined, T0)).toEqual({});
    expect((await gate(request(), acme, T0)).refusal).toBeUndefined();
  });

  it('counts per token when `key` says so', async () => {
    const gate = createRateLimitGate({
      requests: 1,
      windowSeconds: 60,
      key: (authentication) => `token:${String(authentication?.principal)}`,
    });
    await spend(gate, 1, { principal: 'token-1', tenant: 'acme' });
    const other = await gate(request(), { principal: 'token-2', tenant: 'acme' }, T0);
    expect(other.refusal).toBeUndefined();
  });

  it('a cost of 0 lets a DELETE through when the budget is spent', async () => {
    const gate = createRateLimitGate({
      requests: 1,
      windowSeconds: 60,
      cost: (req) => (req.method === 'DELETE' ? 0 : 1),
    });
    await spend(gate, 1);
    expect((await gate(request('DELETE'), acme, T0)).refusal).toBeUndefined();
    expect((await gate(request('PATCH'), acme, T0)).refusal?.status).toBe(429);
  });

  it('a failing limiter lets the request through and hands the failure over for onError', async () => {
    const outage = new Error('ECONNREFUSED 127.0.0.1:6379');
    const limiter: RateLimiter = { hit: () => Promise.reject(outage) };
    const verdict = await createRateLimitGate({ requests: 1, windowSeconds: 60, limiter })(
      request(),
      acme,
      T0,
    );
    expect(verdict).toEqual({ failure: outage });
  });

  it("with onLimiterError 'refuse', a failing limiter answers 503 with Retry-After and the cause", async () => {
    const outage = new Error('ECONNREFUSED 127.0.0.1:6379');
    const limiter: RateLimiter = { hit: () => Promise.reject(outage) };
    const gate = createRateLimitGate({
      requests: 1,
      windowSeconds: 60,
      limiter,
      onLimiterError: 'refuse',
    });
    const { refusal } = await gate(request(), acme, T0);
    expect(refusal?.status).toBe(503);
    expect(refusal?.headers['retry-after']).toBe('1');
    expect(refusal?.cause).toBe(outage);
  });

  it('a cost the rule cannot take throws (a bug to fix, not an outage to wave through)', async () => {
    const gate = createRateLimitGate({ requests: 2, windowSeconds: 60, cost: () => 3 });
    await expect(gate(request(), acme, T0)).rejects.toThrow(RangeError);
  });

  it.each<[string, Partial<RateLimitOptions>]>([
    ['no requests', { requests: 0 }],
    ['a window of 0', { windowSeconds: 0 }],
    ['a burst above requests', { burst: 11 }],
    ['an unknown onLimiterError', { onLimiterError: 'maybe' as 'allow' }],
  ])('refuses %s when the handler is made', (_, change) => {
    expect(() => createRateLimitGate({ requests: 10, windowSeconds: 60, ...change })).toThrow(
      TypeError,
    );
  });
});

describe('Redis limiter, without a Redis', () => {
  afterEach(() => vi.useRealTimers());

  it('a Redis that does not answer fails the hit after timeoutMs', async () => {
    vi.useFakeTimers();
    const client: RedisScriptClient = { eval: () => new Promise(() => {}) };
    const hit = createRedisRateLimiter({ client, timeoutMs: 100 }).hit(
      'k',
      { limit: 1, windowSeconds: 1 },
      T0,
    );
    const failed = expect(hit).rejects.toThrow(/within 100 ms/);
    await vi.advanceTimersByTimeAsync(100);
    await failed;
  });

  it("calls EVALSHA with the script's SHA-1, and EVAL when Redis answers NOSCRIPT", async () => {
    const calls: string[] = [];
    const client: RedisScriptClient = {
      evalsha: (sha1) => {
        calls.push(`evalsha ${sha1}`);
        return Promise.reject(new Error('NOSCRIPT No matching script. Please use EVAL.'));
      },
      eval: (script) => {
        calls.push(script === GCRA_SCRIPT ? 'eval script' : 'eval ?');
        return Promise.resolve([1, 60_000_000, T0 * 1000]);
      },
    };
    const result = await createRedisRateLimiter({ client }).hit(
      'k',
      { limit: 1, windowSeconds: 60 },
      T0,
    );
    const sha1 = createHash('sha1').update(GCRA_SCRIPT).digest('hex');
    expect(calls).toEqual([`evalsha ${sha1}`, 'eval script']);
    expect(result).toMatchObject({ allowed: true, remaining: 0, resetAt: T0 + 60_000 });
  });

  it('passes on any other EVALSHA error', async () => {
    const client: RedisScriptClient = {
      evalsha: () =>
        Promise.reject(new Error('READONLY You cannot write against a read only replica.')),
      eval: () => Promise.resolve([1, 0, 0]),
    };
    const hit = createRedisRateLimiter({ client }).hit('k', { limit: 1, windowSeconds: 60 }, T0);
    await expect(hit).rejects.toThrow(/READONLY/);
  });

  it('refuses a reply that is not three integers', async () => {
    const client: RedisScriptClient = { eval: () => Promise.resolve('OK') };
    const hit = createRedisRateLimiter({ client }).hit('k', { limit: 1, windowSeconds: 60 }, T0);
    await expect(hit).rejects.toThrow(TypeError);
  });

  it('puts the prefix before every key', async () => {
    const keys: string[] = [];
    const client: RedisScriptClient = {
      eval: (_, k) => {
        keys.push(...k);
        return Promise.resolve([1, 1, T0 * 1000]);
      },
    };
    await createRedisRateLimiter({ client, prefix: 'app:' }).hit(
      'tenant:acme',
      { limit: 1, windowSeconds: 60 },
      T0,
    );
    expect(keys).toEqual(['app:tenant:acme']);
  });
});
