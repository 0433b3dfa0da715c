// The handler's side of rate limiting: which key a request counts against, what it costs, and what
// the client is told. Runs once per request, after authentication (the tenant is known) and before
// the body is read (a refused request costs no parsing).
import { ScimError } from '@scim/core';
import type { Authentication } from '../options.js';
import {
  cellRates,
  type RateLimiter,
  type RateLimitResult,
  type RateLimitRule,
} from './limiter.js';
import { createMemoryRateLimiter } from './memory-limiter.js';

/**
 * The `rateLimit` option: every authenticated request counts against its tenant's key, and one
 * over the limit is answered 429 with `Retry-After` (RFC 6585 §4). `requests` per `windowSeconds`
 * is the sustained rate; up to `burst` (default `requests`) may come at once.
 * @example
 * ```ts
 * rateLimit: {
 *   requests: 1_500, windowSeconds: 60, // 25 a second, what Entra ID's gallery asks apps to bear
 *   limiter: createRedisRateLimiter({ client }),
 *   cost: (request) => (request.method === 'DELETE' ? 0 : 1), // deprovisioning is never held up
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4
 */
export interface RateLimitOptions {
  readonly requests: number;
  readonly windowSeconds: number;
  readonly burst?: number;
  /** Where hits are counted (default: a memory limiter of this handler's own). */
  readonly limiter?: RateLimiter;
  /**
   * The key a request counts against; undefined counts it nowhere. Default: `tenant:<tenant>` for an
   * authenticated request (`tenant:` when `authenticate` names none) and nothing for a request
   * without authentication (public discovery), so that no outsider can use up a tenant's budget.
   * Per token: return a key built from what your `authenticate` returns for the token.
   */
  readonly key?: (
    authentication: Authentication | undefined,
    request: Request,
  ) => string | undefined;
  /** What a request costs (default 1); 0 lets it through uncounted. Decided before the body is read. */
  readonly cost?: (request: Request, authentication: Authentication | undefined) => number;
  /**
   * When the limiter fails (Redis down or slow): `allow` (the default) serves the request and reports
   * the failure to `onError`; `refuse` answers 503 with `Retry-After`, reported like any 5xx.
   */
  readonly onLimiterError?: 'allow' | 'refuse';
}

/**
 * What the limiter decided for one request: throw `refusal` when it is set (429, or 503 with the
 * limiter's failure as its cause), and otherwise report `failure`, when set, to `onError`.
 */
export interface RateLimitVerdict {
  readonly refusal?: ScimError;
  readonly failure?: unknown;
  /** Undefined when the request was not counted (no key) or the limiter failed. */
  readonly result?: RateLimitResult;
}

/** Decides one request: `now` is epoch milliseconds. */
export type RateLimitGate = (
  request: Request,
  authentication: Authentication | undefined,
  now: number,
) => Promise<RateLimitVerdict>;

const NOT_COUNTED: RateLimitVerdict = Object.freeze({});

/**
 * Checks the `rateLimit` option once, when the handler is made (a limit that can never work stops
 * the application at start-up), and returns what each request runs.
 */
export function createRateLimitGate(options: RateLimitOptions): RateLimitGate {
  const rule: RateLimitRule = {
    limit: options.requests,
    windowSeconds: options.windowSeconds,
    ...(options.burst === undefined ? {} : { burst: options.burst }),
  };
  try {
    cellRates(rule);
  } catch (error) {
    throw new TypeError(`rateLimit: ${(error as Error).message}`, { cause: error });
  }
  const limiter = options.limiter ?? createMemoryRateLimiter();
  const keyOf = options.key ?? tenantKey;
  const failClosed = options.onLimiterError === 'refuse';
  if (options.onLimiterError !== undefined && options.onLimiterError !== 'allow' && !failClosed)
    throw new TypeError(`rateLimit.onLimiterError must be 'allow' or 'refuse'`);

  return async (request, authentication, now) => {
    const key = keyOf(authentication, request);
    if (key === undefined) return NOT_COUNTED;
    const cost = options.cost?.(request, authentication) ?? 1;
    const hit: RateLimitRule = cost === 1 ? rule : { ...rule, cost };
    // A cost the rule cannot take is the application's bug, not an outage: it fails the request
    // (500, reported) rather than quietly letting it through.
    cellRates(hit);
    let result: RateLimitResult;
    try {
      result = await limiter.hit(key, hit, now);
    } catch (failure) {
      // Refusing, the 503 carries the failure as its cause, and the handler reports it as any 5xx.
      return failClosed ? { refusal: limiterUnavailable(failure) } : { failure };
    }
    return result.allowed ? { result } : { result, refusal: rateLimitError(result, rule) };
  };
}

/**
 * The 429 for a refused hit: the SCIM error body (no scimType: RFC 7644 Table 9 has none for rate
 * limits, and `tooMany` means a 400 about result sizes) and `Retry-After` in whole seconds, at least 1.
 */
export function rateLimitError(result: RateLimitResult, rule: RateLimitRule): ScimError {
  return ScimError.tooManyRequests(
    `Too many requests: at most ${rule.limit} per ${rule.windowSeconds} s; retry after ${Math.max(result.retryAfterSeconds, 1)} s`,
    result.retryAfterSeconds,
  );
}

function tenantKey(authentication: Authentication | undefined): string | undefined {
  return authentication === undefined ? undefined : `tenant:${authentication.tenant ?? ''}`;
}

function limiterUnavailable(cause: unknown): ScimError {
  return new ScimError({
    status: 503,
    cause,
    detail: 'The rate limiter is unavailable, so requests are refused for now; retry later',
    headers: { 'retry-after': '1' },
  });
}
