// The one place a request leaves the client: URL, headers, authentication, the per-attempt
// deadline, retries on 429/503 with Retry-After and the budget, one renewal on 401, and error
// bodies turned into ScimClientErrors.
import { JSON_MEDIA_TYPE, SCIM_MEDIA_TYPE } from '@scim/core';
import type { Authenticator } from './auth.js';
import { errorFromAnswer, ScimTransportError } from './errors.js';
import { backoffDelay, parseRetryAfter, type RetryPolicy } from './retry.js';

/** One request as the resource layer describes it. */
export interface TransportRequest {
  readonly method: string;
  /** A path under the base URL (`/Users/1`), or an absolute URL (a bulk `location`). */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly body?: unknown;
  readonly headers?: HeadersInit;
  readonly signal?: AbortSignal | undefined;
}

/** A 2xx answer, its body parsed (undefined when empty). */
export interface TransportResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  readonly url: string;
  readonly method: string;
}

export interface TransportOptions {
  readonly baseUrl: string;
  readonly fetch: typeof fetch;
  readonly auth: Authenticator;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number | undefined;
  readonly headers: HeadersInit | undefined;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

export class Transport {
  readonly baseUrl: string;
  constructor(private readonly options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  url(path: string, query?: TransportRequest['query']): string {
    const url = new URL(/^https?:\/\//i.test(path) ? path : `${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    // URLSearchParams writes spaces as '+'; %20 reads the same everywhere (checklist P-HTTP-05).
    url.search = url.search.replace(/\+/g, '%20');
    return url.href;
  }

  async send(request: TransportRequest): Promise<TransportResponse> {
    const url = this.url(request.path, request.query);
    const { retry } = this.options;
    const method = request.method.toUpperCase();
    let renewed = false;
    const used = { authorization: null as string | null };
    for (let attempt = 1; ; attempt++) {
      const described = { method, url, attempts: attempt };
      const outcome = await this.attempt(method, url, request, attempt, used);
      if (!(outcome instanceof ScimTransportError)) {
        const { response, text } = outcome;
        if (response.ok) {
          if (attempt === 1) retry.budget.credit();
          return this.read(response, text, described);
        }
        if (response.status === 401 && !renewed) {
          // One fresh credential per request (an expired token); a second 401 is the answer.
          renewed = true;
          if (this.options.auth.renew(used.authorization)) {
            attempt--;
            continue;
          }
        }
        if (response.status !== 429 && response.status !== 503)
          throw errorFromAnswer(response.status, response.headers, text, described);
        const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
        const delay = this.retryDelay(attempt, retryAfter);
        if (delay === undefined) {
          throw errorFromAnswer(response.status, response.headers, text, described, {
            retriesExhausted: true,
          });
        }
        await this.wait(delay, { method, url, attempt, reason: String(response.status) }, request);
        continue;
      }
      // No response: a timeout or a network failure; only idempotent methods are tried again.
      const delay = IDEMPOTENT.has(method) ? this.retryDelay(attempt, undefined) : undefined;
      if (outcome.code === 'aborted' || delay === undefined) throw outcome;
      await this.wait(delay, { method, url, attempt, reason: outcome.code }, request);
    }
  }

  /** One attempt, its body read within the same deadline, so a stalled body cannot hang the client. */
  private async attempt(
    method: string,
    url: string,
    request: TransportRequest,
    attempt: number,
    used: { authorization: string | null },
  ): Promise<{ response: Response; text: string } | ScimTransportError> {
    const described = { method, url, attempts: attempt };
    const { signal, cancel, timedOut } = deadline(request.signal, this.options.timeoutMs);
    try {
      const headers = new Headers(this.options.headers);
      headers.set('accept', `${SCIM_MEDIA_TYPE}, ${JSON_MEDIA_TYPE};q=0.9`);
      new Headers(request.headers).forEach((value, key) => headers.set(key, value));
      const auth = await this.options.auth.headers({ method, url }, signal);
      auth.forEach((value, key) => headers.set(key, value));
      // Kept for a renewal after 401: the token this attempt carried.
      used.authorization = headers.get('authorization');
      const init: RequestInit = { method, headers, ...(signal === undefined ? {} : { signal }) };
      if (request.body !== undefined) {
        if (!headers.has('content-type')) headers.set('content-type', SCIM_MEDIA_TYPE);
        init.body = JSON.stringify(request.body);
      }
      const response = await this.options.fetch(url, init);
      return { response, text: await response.text() };
    } catch (error) {
      // A token endpoint's failure is final for this request.
      if (error instanceof ScimTransportError || isScimErrorLike(error)) throw error;
      if (timedOut()) {
        const ms = this.options.timeoutMs ?? 0;
        return new ScimTransportError('timeout', `no answer within ${ms} ms`, described, error);
      }
      if (request.signal?.aborted)
        return new ScimTransportError('aborted', 'the request was aborted', described, error);
      return new ScimTransportError('network', describe(error), described, error);
    } finally {
      cancel();
    }
  }

  private read(
    response: Response,
    text: string,
    request: { method: string; url: string; attempts: number },
  ): TransportResponse {
    let body: unknown;
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch (error) {
        throw new ScimTransportError(
          'invalidResponse',
          `the ${response.status} answer is not JSON`,
          request,
          error,
        );
      }
    }
    return {
      status: response.status,
      headers: response.headers,
      body,
      url: request.url,
      method: request.method,
    };
  }

  /** How long to wait before the next attempt, or undefined when no retry is allowed. */
  private retryDelay(attempt: number, retryAfter: number | undefined): number | undefined {
    const { retry } = this.options;
    if (attempt > retry.maxRetries) return undefined;
    if (retryAfter !== undefined && retryAfter > retry.maxRetryAfterMs) return undefined;
    if (!retry.budget.take()) return undefined;
    return retryAfter ?? backoffDelay(retry, attempt);
  }

  private async wait(
    delayMs: number,
    event: { method: string; url: string; attempt: number; reason: string },
    request: TransportRequest,
  ): Promise<void> {
    this.options.retry.onRetry?.({ ...event, delayMs });
    try {
      await this.options.retry.sleep(delayMs, request.signal);
    } catch (error) {
      throw new ScimTransportError(
        'aborted',
        'the request was aborted',
        { method: event.method, url: event.url, attempts: event.attempt },
        error,
      );
    }
  }
}

/** A signal that aborts with the caller's or when the attempt's time is up. */
function deadline(
  outer: AbortSignal | undefined,
  timeoutMs: number | undefined,
): { signal: AbortSignal | undefined; cancel: () => void; timedOut: () => boolean } {
  if (timeoutMs === undefined) return { signal: outer, cancel: () => {}, timedOut: () => false };
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new Error(`timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  const onAbort = (): void => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    cancel: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    },
    timedOut: () => expired,
  };
}

function isScimErrorLike(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { [key: symbol]: unknown })[Symbol.for('@scim/core/ScimError')] === true
  );
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
