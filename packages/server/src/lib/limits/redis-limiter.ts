// A limiter shared by a fleet of servers: the GCRA step of limiter.ts as one Lua script, which Redis
// runs atomically, so concurrent hits from any number of servers allow exactly the limit. The client
// is the application's own (node-redis, ioredis, …) behind a one-method interface: no Redis
// dependency here. docs/rate-limits.md has the adapters.
import {
  cellRates,
  toMicroseconds,
  toResult,
  type RateLimiter,
  type RateLimitResult,
  type RateLimitRule,
} from './limiter.js';

/**
 * What the Redis limiter needs of a Redis client: EVAL, and optionally EVALSHA (then the script
 * travels once per connection instead of with every hit). Replies are passed on as the client
 * decodes them.
 * @example
 * ```ts
 * // node-redis 4 to 6
 * const client: RedisScriptClient = {
 *   eval: (script, keys, args) => redis.eval(script, { keys: [...keys], arguments: [...args] }),
 *   evalsha: (sha1, keys, args) => redis.evalSha(sha1, { keys: [...keys], arguments: [...args] }),
 * };
 * ```
 * @see https://redis.io/docs/latest/commands/eval/
 */
export interface RedisScriptClient {
  eval(script: string, keys: readonly string[], args: readonly string[]): Promise<unknown>;
  evalsha?(sha1: string, keys: readonly string[], args: readonly string[]): Promise<unknown>;
}

/**
 * Options of {@link createRedisRateLimiter}.
 * @example `{ client, prefix: 'acme-scim:rate:', timeoutMs: 100 }`
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4
 */
export interface RedisRateLimiterOptions {
  readonly client: RedisScriptClient;
  /** Put before every key, so that several applications can share one Redis (default `scim:rate:`). */
  readonly prefix?: string;
  /**
   * Whose clock counts: `redis` (the default) reads Redis's `TIME`, the one clock every server of a
   * fleet shares, so their clocks' drift does not matter; `caller` uses the `now` each hit is given.
   */
  readonly clock?: 'redis' | 'caller';
  /**
   * How long a hit waits for Redis before it fails (default 250 ms). Clients queue commands while
   * they reconnect, so without it an outage would hold every request instead of failing them.
   */
  readonly timeoutMs?: number;
}

// KEYS[1]: the key. ARGV: emission interval (µs), burst tolerance (µs), cost, now (µs; '' reads
// Redis's TIME, which scripts may call since Redis 5 replicates their effects), key lifetime (ms).
// The TAT is stored with %d, a plain integer string whatever Redis's number formatting.
// Returns { allowed (1 or 0), TAT - now after the hit (µs), now (µs) }.
export const GCRA_SCRIPT = `local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now
if ARGV[4] == '' then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000000 + tonumber(time[2])
else
  now = tonumber(ARGV[4])
end
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then
  tat = now
end
local new_tat = tat + cost * interval
if new_tat - now > tolerance then
  return { 0, tat - now, now }
end
if cost > 0 then
  redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', ARGV[5])
end
return { 1, new_tat - now, now }
`;

/**
 * A rate limiter kept in Redis (5 or later, or Valkey), for a fleet of servers: each hit is one
 * atomic script call and each key one string that expires one window after its last hit. It works
 * with Redis Cluster too (one key per call). A hit that fails or takes longer than `timeoutMs`
 * rejects; the handler then lets the request through and reports the failure to `onError` (see
 * `rateLimit.onLimiterError`).
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const redis = await createClient({ url: process.env.REDIS_URL }).connect();
 * const limiter = createRedisRateLimiter({
 *   client: { eval: (script, keys, args) => redis.eval(script, { keys: [...keys], arguments: [...args] }) },
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const { client } = options;
  const prefix = options.prefix ?? 'scim:rate:';
  const callerClock = options.clock === 'caller';
  const timeoutMs = options.timeoutMs ?? 250;
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, not ${timeoutMs}`);
  let digest: Promise<string> | undefined;

  const run = async (keys: string[], args: string[]): Promise<unknown> => {
    if (client.evalsha === undefined) return client.eval(GCRA_SCRIPT, keys, args);
    digest ??= sha1Hex(GCRA_SCRIPT);
    try {
      return await client.evalsha(await digest, keys, args);
    } catch (error) {
      // A restarted or flushed Redis has forgotten the script: EVAL sends and caches it again.
      if (!String((error as { message?: unknown } | undefined)?.message).includes('NOSCRIPT'))
        throw error;
      return client.eval(GCRA_SCRIPT, keys, args);
    }
  };

  return {
    async hit(key: string, rule: RateLimitRule, now: number): Promise<RateLimitResult> {
      const rates = cellRates(rule);
      const args = [
        String(rates.intervalUs),
        String(rates.toleranceUs),
        String(rates.cost),
        callerClock ? String(toMicroseconds(now)) : '',
        // Past its TAT a key means a full bucket, like no key; a whole window is the longest a TAT
        // can lie ahead, and keeping it that long spares the caller's clock from racing Redis's.
        String(Math.ceil(rates.toleranceUs / 1000)),
      ];
      const reply = await within(timeoutMs, run([prefix + key], args));
      const [allowed, debtUs, nowUs] = integers(reply);
      return toResult(allowed === 1, debtUs, nowUs, rates);
    },
  };
}

/** The script's reply as three integers, whichever way the client decoded them. */
function integers(reply: unknown): [number, number, number] {
  if (Array.isArray(reply) && reply.length === 3) {
    const numbers = reply.map((value: unknown) =>
      typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string'
        ? Number(value)
        : Number.NaN,
    );
    if (numbers.every(Number.isSafeInteger)) return numbers as [number, number, number];
  }
  throw new TypeError(`The rate limit script answered ${JSON.stringify(reply)}`);
}

async function within<T>(milliseconds: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error(`Redis did not answer the rate limit script within ${milliseconds} ms`)),
      milliseconds,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function sha1Hex(text: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text)));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
