// The default limiter: one process, one Map from key to TAT. No timers: idle keys are swept a few
// at a time as hits arrive, and the Map never holds more than `maxKeys`.
import { cellRates, gcraStep, toMicroseconds, toResult, type RateLimiter } from './limiter.js';

/**
 * Options of {@link createMemoryRateLimiter}.
 * @example `{ maxKeys: 100_000 }`
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4
 */
export interface MemoryRateLimiterOptions {
  /**
   * The most keys remembered (default 100,000, a few megabytes). Past it the key hit longest ago is
   * forgotten, which only ever lets that key through sooner.
   */
  readonly maxKeys?: number;
}

/**
 * The limiter {@link createMemoryRateLimiter} makes; `size` is how many keys it remembers now.
 * @example `limiter.size // 42`
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4
 */
export interface MemoryRateLimiter extends RateLimiter {
  readonly size: number;
}

/**
 * A rate limiter for one process, and the default: exact and atomic within the process, so N
 * servers behind a load balancer each allow the whole limit (use `createRedisRateLimiter` for a
 * fleet). It starts no timer and keeps at most `maxKeys` keys.
 * @example
 * ```ts
 * const limiter = createMemoryRateLimiter({ maxKeys: 50_000 });
 * createScimHandler({ stores, authenticate, rateLimit: { limiter, requests: 600, windowSeconds: 60 } });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4
 */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions = {}): MemoryRateLimiter {
  const maxKeys = options.maxKeys ?? 100_000;
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 1)
    throw new RangeError(`maxKeys must be a whole number of at least 1, not ${maxKeys}`);
  // Insertion order is recency order: every hit re-inserts its key, so the first keys were hit
  // longest ago, and are the likeliest to be idle (their TAT passed, a full bucket: as if absent).
  const tats = new Map<string, number>();

  const sweep = (nowUs: number): void => {
    // Two per hit outpaces the one key a hit can add, so idle keys never pile up.
    for (let swept = 0; swept < 2; swept++) {
      const oldest = tats.entries().next();
      if (oldest.done === true || oldest.value[1] > nowUs) return;
      tats.delete(oldest.value[0]);
    }
  };

  return {
    get size() {
      return tats.size;
    },
    // Read and write in one synchronous step (the executor runs at once; a throw rejects), so
    // concurrent hits in this process are as atomic as the Redis script.
    hit: (key, rule, now) =>
      new Promise((resolve) => {
        const rates = cellRates(rule);
        const nowUs = toMicroseconds(now);
        const step = gcraStep(tats.get(key), nowUs, rates);
        if (step.allowed && rates.cost > 0) {
          tats.delete(key);
          tats.set(key, step.tat);
          if (tats.size > maxKeys) {
            const oldest = tats.keys().next();
            if (oldest.done !== true) tats.delete(oldest.value);
          }
        }
        sweep(nowUs);
        resolve(toResult(step.allowed, step.tat - nowUs, nowUs, rates));
      }),
  };
}
