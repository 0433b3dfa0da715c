// When and how long the client waits before trying a request again: 429 and 503 (RFC 6585 §4,
// RFC 9110 §15.6.4) honouring Retry-After, exponential backoff with full jitter otherwise, and a
// retry budget shared by every request of one client so that an outage is not multiplied by retries.

/**
 * How the client retries. A retry costs one token of the budget; each request that succeeds
 * without retrying puts `budgetRefill` back (up to `budget`), so retries stay a fraction of traffic.
 * Responses 429 and 503 are retried for every method (the server did not do the work, or says
 * when to come back); failures with no response and timeouts only for GET, HEAD, PUT and DELETE,
 * which are idempotent.
 * @example `createScimClient({ baseUrl, retry: { maxRetries: 5, budget: 50, baseDelayMs: 200, maxDelayMs: 5_000 } })`
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4
 */
export interface RetryOptions {
  /** Retries of one request (default 3; 0 turns retrying off). */
  readonly maxRetries?: number;
  /** Retry tokens shared by the client's requests (default 20). */
  readonly budget?: number;
  /** Tokens a successful first attempt gives back (default 0.1). */
  readonly budgetRefill?: number;
  /** The first backoff step, doubled on each retry (default 250 ms). */
  readonly baseDelayMs?: number;
  /** The longest backoff (default 10,000 ms). */
  readonly maxDelayMs?: number;
  /**
   * The longest `Retry-After` the client waits for (default 60,000 ms); a server asking for more is
   * not retried, and its error is thrown at once with `retriesExhausted`.
   */
  readonly maxRetryAfterMs?: number;
  /** Waits between attempts (default `setTimeout`); tests pass one that records and returns. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told about each retry before its wait, for logs and metrics. */
  readonly onRetry?: (event: RetryEvent) => void;
}

/**
 * One retry about to happen.
 * @example `onRetry: ({ method, url, attempt, delayMs, reason }) => log.warn({ method, url, attempt, delayMs, reason })`
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4
 */
export interface RetryEvent {
  readonly method: string;
  readonly url: string;
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  readonly delayMs: number;
  /** `429`, `503`, `timeout` or `network`. */
  readonly reason: string;
}

export interface RetryPolicy {
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxRetryAfterMs: number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly onRetry: ((event: RetryEvent) => void) | undefined;
  readonly budget: RetryBudget;
}

/** A token bucket of retries, shared by one client's requests. */
export class RetryBudget {
  private tokens: number;
  constructor(
    private readonly capacity: number,
    private readonly refill: number,
  ) {
    this.tokens = capacity;
  }
  /** Takes one retry token; false when the budget is spent. */
  take(): boolean {
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
  /** A request succeeded at its first attempt. */
  credit(): void {
    this.tokens = Math.min(this.capacity, this.tokens + this.refill);
  }
  get remaining(): number {
    return this.tokens;
  }
}

export function resolveRetry(options: RetryOptions | false | undefined): RetryPolicy {
  const given = options === false ? { maxRetries: 0 } : (options ?? {});
  const maxRetries = count(given.maxRetries, 3, 'maxRetries');
  return {
    maxRetries,
    baseDelayMs: count(given.baseDelayMs, 250, 'baseDelayMs'),
    maxDelayMs: count(given.maxDelayMs, 10_000, 'maxDelayMs'),
    maxRetryAfterMs: count(given.maxRetryAfterMs, 60_000, 'maxRetryAfterMs'),
    sleep: given.sleep ?? sleep,
    onRetry: given.onRetry,
    budget: new RetryBudget(count(given.budget, 20, 'budget'), given.budgetRefill ?? 0.1),
  };
}

function count(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`retry.${name} must be ≥ 0`);
  return value;
}

/** Exponential backoff with full jitter: a random wait up to base·2^(attempt−1), capped. */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(Math.random() * ceiling);
}

/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP-date (RFC 9110 §10.2.3); undefined when
 * absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
