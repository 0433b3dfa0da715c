// The memory limiter and the GCRA arithmetic it shares with the Redis limiter. Time is a number the
// tests move by hand; nothing here waits.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryRateLimiter } from '../src/lib/limits/memory-limiter.js';
import type { RateLimitRule } from '../src/lib/limits/limiter.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const PER_MINUTE_4: RateLimitRule = { limit: 4, windowSeconds: 60 }; // one hit every 15 s

async function hits(count: number, hit: () => Promise<{ allowed: boolean }>): Promise<boolean[]> {
  const answers: boolean[] = [];
  for (let i = 0; i < count; i++) answers.push((await hit()).allowed);
  return answers;
}

describe('memory rate limiter', () => {
  afterEach(() => vi.restoreAllMocks());

  it('allows exactly `limit` hits at one instant and refuses the next', async () => {
    const limiter = createMemoryRateLimiter();
    const answers = await hits(5, () => limiter.hit('tenant:a', PER_MINUTE_4, T0));
    expect(answers).toEqual([true, true, true, true, false]);
  });

  it('a refused hit is told to retry after one emission interval, in whole seconds', async () => {
    const limiter = createMemoryRateLimiter();
    await hits(4, () => limiter.hit('k', PER_MINUTE_4, T0));
    expect((await limiter.hit('k', PER_MINUTE_4, T0)).retryAfterSeconds).toBe(15);
    // 0.5 s left rounds up to 1, never down to 0.
    expect((await limiter.hit('k', PER_MINUTE_4, T0 + 14_500)).retryAfterSeconds).toBe(1);
  });

  it('the bucket refills one hit per window/limit, not all at once at a window boundary', async () => {
    const limiter = createMemoryRateLimiter();
    await hits(4, () => limiter.hit('k', PER_MINUTE_4, T0));
    expect((await limiter.hit('k', PER_MINUTE_4, T0 + 14_999)).allowed).toBe(false);
    const answers = await hits(2, () => limiter.hit('k', PER_MINUTE_4, T0 + 15_000));
    expect(answers).toEqual([true, false]);
  });

  it('remaining counts down, and resetAt is when the whole burst is back', async () => {
    const limiter = createMemoryRateLimiter();
    const first = await limiter.hit('k', PER_MINUTE_4, T0);
    expect(first).toEqual({
      allowed: true,
      limit: 4,
      remaining: 3,
      retryAfterSeconds: 0,
      resetAt: T0 + 15_000,
    });
    await hits(3, () => limiter.hit('k', PER_MINUTE_4, T0));
    const refused = await limiter.hit('k', PER_MINUTE_4, T0);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, resetAt: T0 + 60_000 });
  });

  it('a burst below the limit spaces hits out', async () => {
    const limiter = createMemoryRateLimiter();
    const rule = { limit: 60, windowSeconds: 60, burst: 1 };
    expect(await hits(2, () => limiter.hit('k', rule, T0))).toEqual([true, false]);
    expect((await limiter.hit('k', rule, T0 + 1000)).allowed).toBe(true);
  });

  it('a hit of cost 3 takes three', async () => {
    const limiter = createMemoryRateLimiter();
    expect((await limiter.hit('k', { ...PER_MINUTE_4, cost: 3 }, T0)).remaining).toBe(1);
    expect((await limiter.hit('k', { ...PER_MINUTE_4, cost: 2 }, T0)).allowed).toBe(false);
  });

  it('a hit of cost 0 is never refused and takes nothing', async () => {
    const limiter = createMemoryRateLimiter();
    await hits(4, () => limiter.hit('k', PER_MINUTE_4, T0));
    const free = await limiter.hit('k', { ...PER_MINUTE_4, cost: 0 }, T0);
    expect(free).toMatchObject({ allowed: true, remaining: 0 });
    expect((await limiter.hit('k', PER_MINUTE_4, T0 + 15_000)).allowed).toBe(true);
  });

  it.each([
    ['a limit of 0', { limit: 0, windowSeconds: 60 }],
    ['a fractional limit', { limit: 1.5, windowSeconds: 60 }],
    ['a window of 0', { limit: 1, windowSeconds: 0 }],
    ['an infinite window', { limit: 1, windowSeconds: Infinity }],
    ['a burst above the limit', { limit: 2, windowSeconds: 60, burst: 3 }],
    ['a cost above the burst (it could never pass)', { limit: 4, windowSeconds: 60, cost: 5 }],
    ['a negative cost', { limit: 4, windowSeconds: 60, cost: -1 }],
  ])('refuses %s as a RangeError', async (_, rule) => {
    const limiter = createMemoryRateLimiter();
    await expect(limiter.hit('k', rule, T0)).rejects.toThrow(RangeError);
  });

  it('counts each key apart: one noisy tenant does not hold up another', async () => {
    const limiter = createMemoryRateLimiter();
    await hits(5, () => limiter.hit('tenant:noisy', PER_MINUTE_4, T0));
    expect((await limiter.hit('tenant:quiet', PER_MINUTE_4, T0)).allowed).toBe(true);
  });

  it('of 50 concurrent hits on a limit of 10, exactly 10 are allowed', async () => {
    const limiter = createMemoryRateLimiter();
    const rule = { limit: 10, windowSeconds: 3600 };
    const results = await Promise.all(Array.from({ length: 50 }, () => limiter.hit('k', rule, T0)));
    expect(results.filter((result) => result.allowed)).toHaveLength(10);
  });

  it('keeps at most maxKeys keys, forgetting the one hit longest ago', async () => {
    const limiter = createMemoryRateLimiter({ maxKeys: 3 });
    for (const key of ['a', 'b', 'c', 'd']) await limiter.hit(key, PER_MINUTE_4, T0);
    expect(limiter.size).toBe(3);
    // 'b' still owes its first hit; 'a' was forgotten, so its bucket is whole again.
    expect((await limiter.hit('b', PER_MINUTE_4, T0)).remaining).toBe(2);
    expect((await limiter.hit('a', PER_MINUTE_4, T0)).remaining).toBe(3);
  });

  it('sweeps idle keys (bucket whole again) as later hits arrive', async () => {
    const limiter = createMemoryRateLimiter();
    for (const key of ['a', 'b', 'c', 'd']) await limiter.hit(key, PER_MINUTE_4, T0);
    // 15 s on, each key's one hit has refilled: two per hit are swept until only 'e' is left.
    await limiter.hit('e', PER_MINUTE_4, T0 + 15_000);
    await limiter.hit('e', PER_MINUTE_4, T0 + 15_000);
    expect(limiter.size).toBe(1);
  });

  it('starts no timer, so it never keeps a process alive', async () => {
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    const limiter = createMemoryRateLimiter({ maxKeys: 2 });
    for (let i = 0; i < 10; i++) await limiter.hit(`k${i}`, PER_MINUTE_4, T0 + i);
    expect(setTimeoutSpy).not.toHaveBeenCalled();
    expect(setIntervalSpy).not.toHaveBeenCalled();
  });

  it('refuses maxKeys below 1', () => {
    expect(() => createMemoryRateLimiter({ maxKeys: 0 })).toThrow(RangeError);
  });
});

// Any sequence of hits, at any times and costs, against one key.
const schedules = fc.record({
  limit: fc.integer({ min: 1, max: 20 }),
  windowSeconds: fc.integer({ min: 1, max: 120 }),
  steps: fc.array(
    fc.record({
      advanceMs: fc.integer({ min: 0, max: 20_000 }),
      cost: fc.integer({ min: 0, max: 3 }),
    }),
    { maxLength: 80 },
  ),
});

describe('memory rate limiter, for any schedule of hits', () => {
  it('never lets more through in a span of t than limit + t·limit/window', async () => {
    await fc.assert(
      fc.asyncProperty(schedules, async ({ limit, windowSeconds, steps }) => {
        const limiter = createMemoryRateLimiter();
        const admitted: { at: number; cost: number }[] = [];
        let now = T0;
        for (const step of steps) {
          now += step.advanceMs;
          const cost = Math.min(step.cost, limit);
          const result = await limiter.hit('k', { limit, windowSeconds, cost }, now);
          if (result.allowed) admitted.push({ at: now, cost });
        }
        // Every span from one admitted hit to a later one: its cost fits the burst plus the refill.
        const intervalMs = Math.ceil((windowSeconds * 1e6) / limit) / 1000;
        for (let i = 0; i < admitted.length; i++) {
          let spent = 0;
          for (let j = i; j < admitted.length; j++) {
            spent += admitted[j]!.cost;
            const span = admitted[j]!.at - admitted[i]!.at;
            expect(spent).toBeLessThanOrEqual(limit + Math.floor(span / intervalMs));
          }
        }
      }),
    );
  });

  it('a refused hit is allowed once its Retry-After has passed', async () => {
    await fc.assert(
      fc.asyncProperty(schedules, async ({ limit, windowSeconds, steps }) => {
        const limiter = createMemoryRateLimiter();
        let now = T0;
        for (const step of steps) {
          now += step.advanceMs;
          const rule = { limit, windowSeconds, cost: Math.min(step.cost, limit) };
          const result = await limiter.hit('k', rule, now);
          if (!result.allowed) {
            expect(result.retryAfterSeconds).toBeGreaterThanOrEqual(1);
            const retry = await limiter.hit('k', rule, now + result.retryAfterSeconds * 1000);
            expect(retry.allowed).toBe(true);
            return;
          }
        }
      }),
    );
  });
});
