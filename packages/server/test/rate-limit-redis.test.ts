// The Redis limiter against the real Redis server (SCIM_TEST_REDIS_URL), through node-redis and
// ioredis as docs/rate-limits.md wraps them. Keys live under a prefix unique to this run and are
// deleted afterwards.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from '../src/lib/limits/memory-limiter.js';
import { createRedisRateLimiter } from '../src/lib/limits/redis-limiter.js';
import {
  CLIENTS,
  redisSkipped,
  redisUrl,
  uniquePrefix,
  type RedisConnection,
} from './rate-limit-fixtures.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe.skipIf(redisSkipped !== undefined).each(CLIENTS)('Redis rate limiter, $name', (setup) => {
  const prefix = uniquePrefix();
  // Two connections stand for two servers of a fleet.
  let one: RedisConnection;
  let two: RedisConnection;

  beforeAll(async () => {
    one = await setup.connect(redisUrl as string, setup.evalsha);
    two = await setup.connect(redisUrl as string, setup.evalsha);
  });

  afterAll(async () => {
    await one?.deleteUnder(prefix);
    expect((await one?.ttls(prefix))?.size ?? 0).toBe(0);
    await one?.close();
    await two?.close();
  });

  it('of 60 concurrent hits from two servers on a limit of 10, exactly 10 are allowed', async () => {
    const servers = [one, two].map((connection) =>
      createRedisRateLimiter({ client: connection.client, prefix }),
    );
    const rule = { limit: 10, windowSeconds: 3600 };
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => servers[i % 2]!.hit('concurrent', rule, Date.now())),
    );
    expect(results.filter((result) => result.allowed)).toHaveLength(10);
  });

  it('answers exactly what the memory limiter answers, for any schedule (caller clock)', async () => {
    const redis = createRedisRateLimiter({ client: one.client, prefix, clock: 'caller' });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 90 }),
        fc.array(
          fc.record({
            advanceMs: fc.integer({ min: 0, max: 15_000 }),
            cost: fc.integer({ min: 0, max: 2 }),
          }),
          { maxLength: 40 },
        ),
        async (limit, windowSeconds, steps) => {
          const key = `differential:${run++}`;
          const memory = createMemoryRateLimiter();
          let now = T0;
          for (const step of steps) {
            now += step.advanceMs;
            const rule = { limit, windowSeconds, cost: Math.min(step.cost, limit) };
            expect(await redis.hit(key, rule, now)).toEqual(await memory.hit(key, rule, now));
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("on Redis's clock, a refused hit is told when to retry", async () => {
    const limiter = createRedisRateLimiter({ client: one.client, prefix });
    const rule = { limit: 2, windowSeconds: 60 };
    await limiter.hit('redis-clock', rule, 0);
    await limiter.hit('redis-clock', rule, 0);
    // The caller's `now` (0, 1970) is ignored: Redis's TIME decides.
    const refused = await limiter.hit('redis-clock', rule, 0);
    expect(refused.allowed).toBe(false);
    // One emission interval (30 s), less the microseconds the three calls took.
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(29);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(30);
  });

  it('a key expires at most one window after its last hit', async () => {
    const limiter = createRedisRateLimiter({ client: one.client, prefix: `${prefix}ttl:` });
    await limiter.hit('a', { limit: 5, windowSeconds: 90 }, Date.now());
    const ttls = [...(await one.ttls(`${prefix}ttl:`)).values()];
    expect(ttls).toHaveLength(1);
    expect(ttls[0]).toBeGreaterThan(0);
    expect(ttls[0]).toBeLessThanOrEqual(90_000);
  });

  it('a hit of cost 0 writes nothing', async () => {
    const limiter = createRedisRateLimiter({ client: one.client, prefix: `${prefix}free:` });
    const result = await limiter.hit('a', { limit: 5, windowSeconds: 90, cost: 0 }, Date.now());
    expect(result).toMatchObject({ allowed: true, remaining: 5 });
    expect((await one.ttls(`${prefix}free:`)).size).toBe(0);
  });

  it('goes on working after Redis forgets its scripts (SCRIPT FLUSH, a restart)', async () => {
    const limiter = createRedisRateLimiter({ client: one.client, prefix });
    const rule = { limit: 3, windowSeconds: 3600 };
    await limiter.hit('flushed', rule, Date.now());
    await one.flushScripts();
    expect(await limiter.hit('flushed', rule, Date.now())).toMatchObject({
      allowed: true,
      remaining: 1,
    });
  });
});
