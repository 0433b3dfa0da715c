// The contract every rate limiter keeps, and the one algorithm both ours run: GCRA, the generic cell
// rate algorithm (ITU-T I.371). A key's whole state is one number, its theoretical arrival time
// (TAT): the moment the key's bucket would be full again. A hit of cost c moves it c emission
// intervals (window / limit) later, and is allowed when it stays within the burst tolerance of now.
// That is a token bucket stored as a single time instead of a count and a timestamp: O(1) memory per
// key, exact to the microsecond, and in Redis one GET and one SET inside one Lua script.
//
// Times are integer microseconds so that `limit` hits at one instant always fit the burst exactly
// (milliseconds divided by an odd limit would not) and every value stays a safe integer, in
// JavaScript and in Redis's Lua doubles, until about the year 2220.

/**
 * How much one key may do: `limit` hits per `windowSeconds`, of which `burst` (default `limit`) may
 * come at once; a hit costs `cost` (default 1), and a cost of 0 only reads the state.
 * @example `{ limit: 600, windowSeconds: 60 }`
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4
 */
export interface RateLimitRule {
  readonly limit: number;
  readonly windowSeconds: number;
  /** How many hits may come at once, between 1 and `limit` (default `limit`). */
  readonly burst?: number;
  readonly cost?: number;
}

/**
 * What a limiter answers for one hit.
 * @example `{ allowed: false, limit: 600, remaining: 0, retryAfterSeconds: 1, resetAt: 1767225660000 }`
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4
 */
export interface RateLimitResult {
  readonly allowed: boolean;
  /** The rule's `limit`. */
  readonly limit: number;
  /** Hits of cost 1 that would be allowed right after this one. */
  readonly remaining: number;
  /** 0 when allowed; otherwise the whole seconds (at least 1) after which this hit would be allowed. */
  readonly retryAfterSeconds: number;
  /** When the key's whole burst is available again (epoch milliseconds). */
  readonly resetAt: number;
}

/**
 * Counts hits per key; `createMemoryRateLimiter` and `createRedisRateLimiter` make one, and any
 * object with this method will do. `now` is epoch milliseconds.
 * @example `const { allowed, retryAfterSeconds } = await limiter.hit('tenant:acme', { limit: 600, windowSeconds: 60 }, Date.now())`
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4
 */
export interface RateLimiter {
  hit(key: string, rule: RateLimitRule, now: number): Promise<RateLimitResult>;
}

/** A rule in microseconds: the emission interval, the burst tolerance and this hit's cost. */
export interface CellRates {
  readonly limit: number;
  readonly intervalUs: number;
  readonly toleranceUs: number;
  readonly cost: number;
}

// 2^50 µs is about 35 years: every TAT stays below 2^53, the edge of exact integers in a double.
const MAX_WINDOW_US = 2 ** 50;

/**
 * Checks a rule and turns it into microseconds; a rule that can never work is a programming error
 * and throws, so it shows up at start-up or in the first test rather than as a limiter outage.
 */
export function cellRates(rule: RateLimitRule): CellRates {
  const { limit, windowSeconds } = rule;
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new RangeError(`A rate limit needs a whole limit of at least 1, not ${limit}`);
  const windowUs = windowSeconds * 1_000_000;
  if (!Number.isFinite(windowSeconds) || windowUs < 1 || windowUs > MAX_WINDOW_US)
    throw new RangeError(`A rate limit window must be positive and finite, not ${windowSeconds} s`);
  const burst = rule.burst ?? limit;
  if (!Number.isSafeInteger(burst) || burst < 1 || burst > limit)
    throw new RangeError(
      `A burst must be a whole number from 1 to the limit ${limit}, not ${burst}`,
    );
  const cost = rule.cost ?? 1;
  // A hit costing more than the burst could never pass: every retry would be refused for ever.
  if (!Number.isSafeInteger(cost) || cost < 0 || cost > burst)
    throw new RangeError(
      `A hit's cost must be a whole number from 0 to the burst ${burst}, not ${cost}`,
    );
  // Rounded up, the sustained rate is never above the rule's (at most `limit` µs slower per window).
  const intervalUs = Math.ceil(windowUs / limit);
  return { limit, intervalUs, toleranceUs: burst * intervalUs, cost };
}

/** The milliseconds of an epoch-millisecond clock reading, in whole microseconds. */
export function toMicroseconds(nowMs: number): number {
  if (!Number.isFinite(nowMs)) throw new RangeError(`The clock read ${nowMs}`);
  return Math.round(nowMs * 1000);
}

/**
 * One GCRA step (the Lua script in redis-limiter.ts is the same lines): the TAT after the hit, and
 * whether it was allowed. An unknown or past TAT means a full bucket.
 */
export function gcraStep(
  storedTat: number | undefined,
  nowUs: number,
  rates: CellRates,
): { readonly allowed: boolean; readonly tat: number } {
  const tat = storedTat === undefined || storedTat < nowUs ? nowUs : storedTat;
  const next = tat + rates.cost * rates.intervalUs;
  return next - nowUs <= rates.toleranceUs ? { allowed: true, tat: next } : { allowed: false, tat };
}

/** The result a limiter reports, from the key's TAT after the hit (`debtUs` = TAT - now, never negative). */
export function toResult(
  allowed: boolean,
  debtUs: number,
  nowUs: number,
  rates: CellRates,
): RateLimitResult {
  const remaining = Math.floor((rates.toleranceUs - debtUs) / rates.intervalUs);
  // Refused: the hit fits once the debt has shrunk to the tolerance less the hit's own cost.
  const waitUs = allowed ? 0 : debtUs + rates.cost * rates.intervalUs - rates.toleranceUs;
  return {
    allowed,
    limit: rates.limit,
    remaining: Math.max(remaining, 0),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(waitUs / 1_000_000)),
    resetAt: Math.ceil((nowUs + debtUs) / 1000),
  };
}
