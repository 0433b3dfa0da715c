// Push delivery of one SET (RFC 8935): POST it to the receiver and turn the answer into what the
// delivery loop should do next. Every expected failure is a result, never a throw, and no result
// carries a stack trace or a credential, since results end up in the per-stream delivery log.
//
// The connection goes only to an address `checkReceiverUrl` vetted moments before (see
// receiver-url.ts), and how it is made is vetted-exchange.ts's.
import { JSON_MEDIA_TYPE, SECEVENT_JWT_MEDIA_TYPE } from '@scim/core';
import {
  checkReceiverUrl,
  type ReceiverUrlIssueCode,
  type ReceiverUrlOptions,
  type ReceiverUrlResolver,
} from './receiver-url.js';
import { checkNumberOption } from './replay.js';
import type { SetErrorCode } from './verify.js';
import { sendVetted, startDeadline, toLogText, type VettedAnswer } from './vetted-exchange.js';

/** How long one delivery may take end to end (resolution, connection, answer), unless told. */
const DEFAULT_TIMEOUT_MS = 10_000;

/** The longest delay a Node timer takes (2^31 − 1 ms); a longer one would fire at once. */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * Options of {@link pushSet}. `authorization` is the `Authorization` header value, or a function
 * that gives it for each delivery (such as a client-credentials source's `authorization`).
 * `allowLoopback`, `allowPrivate`, `allowMetadata` and `allowHttp` are `checkReceiverUrl`'s, for
 * receivers the operator runs on the same host or network; `ca` replaces Node's trusted certificate
 * authorities (PEM) for receivers behind a private CA.
 * @example `{ authorization: () => tokens.authorization(), timeoutMs: 5_000 }`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-3
 */
export interface PushSetOptions {
  readonly authorization?: string | (() => Promise<string | undefined>) | undefined;
  /**
   * The whole delivery's budget in ms, from resolution through asking `authorization` to the last
   * byte of the answer (10,000): a whole number from 1 to 2,147,483,647. Any other value sends
   * nothing and returns `retry` with the reason, as `pushSet` never throws.
   */
  readonly timeoutMs?: number | undefined;
  readonly allowLoopback?: boolean | undefined;
  readonly allowPrivate?: boolean | undefined;
  readonly allowMetadata?: boolean | undefined;
  readonly allowHttp?: boolean | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly resolve?: ReceiverUrlResolver | undefined;
  readonly ca?: string | readonly string[] | undefined;
}

/**
 * An RFC 8935 §2.4 error code as a receiver sent it: one of the registered {@link SetErrorCode}s, or
 * a code registered later, kept as the receiver spelled it.
 * @example `if (result.outcome === 'rejected' && result.err === 'invalid_audience') fixStreamAudience();`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2.4
 */
export type PushErrorCode = SetErrorCode | (string & Record<never, never>);

/**
 * What one push delivery came to, and so what to do next:
 * - `delivered`: the receiver acknowledged the SET (202, or another 2xx);
 * - `rejected`: a 400 whose JSON body names an `err` code; the receiver refused this SET (`err`,
 *   `description`, RFC 8935 §2.3). Sending the same SET again will fail again, so it goes to the
 *   dead letter instead of being retried;
 * - `retry`: a timeout (of the whole delivery, the authorization included), a network failure, 408,
 *   429, 5xx, 401/403 (credentials may be rotated), a 400 without an RFC 8935 error body (a proxy
 *   or firewall may have answered it), an authorization function that failed, invalid options, or
 *   any other answer; try again later, no sooner than `retryAfterMs` when the receiver said so;
 * - `refused-url`: the receiver URL failed the server-side request forgery check; nothing was sent.
 * @example
 * ```ts
 * const result = await pushSet(token, stream.endpoint);
 * if (result.outcome === 'retry') schedule(Math.max(backoff(attempt), result.retryAfterMs ?? 0));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export type PushResult =
  | { readonly outcome: 'delivered'; readonly status: number }
  | {
      readonly outcome: 'rejected';
      readonly status: 400;
      readonly err: PushErrorCode;
      readonly description: string;
    }
  | {
      readonly outcome: 'retry';
      readonly reason: string;
      readonly status?: number;
      readonly retryAfterMs?: number;
    }
  | {
      readonly outcome: 'refused-url';
      readonly code: ReceiverUrlIssueCode;
      readonly reason: string;
    };

/**
 * Pushes one signed SET to a receiver: checks the URL against server-side request forgery (on every
 * call), then POSTs the SET as `application/secevent+jwt` with `Accept: application/json` to the
 * vetted address, and reads the answer as RFC 8935 §2.2–2.3 define it.
 * @example
 * ```ts
 * const result = await pushSet(await signSet(claims, keys.active), 'https://receiver.example.com/events', {
 *   authorization: 'Bearer h480djs93hd8',
 * });
 * if (result.outcome === 'rejected') console.warn(`receiver refused the SET: ${result.err}`);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export async function pushSet(
  token: string,
  endpoint: string | URL,
  options: PushSetOptions = {},
): Promise<PushResult> {
  let timeoutMs: number;
  try {
    timeoutMs = checkTimeoutMs('pushSet', options.timeoutMs);
  } catch (error) {
    return { outcome: 'retry', reason: `invalid options: ${(error as Error).message}` };
  }
  return postToReceiver(
    endpoint,
    {
      vetting: {
        allowLoopback: options.allowLoopback,
        allowPrivate: options.allowPrivate,
        allowMetadata: options.allowMetadata,
        allowHttp: options.allowHttp,
        resolve: options.resolve,
      },
      headers: async (signal) => {
        const authorization = await authorizationOf(options.authorization, signal, () =>
          options.signal?.aborted === true
            ? 'the delivery was cancelled while waiting for authorization'
            : `no authorization for the receiver within ${timeoutMs} ms (timeout)`,
        );
        if (!authorization.ok) return authorization;
        return {
          ok: true,
          value: {
            'content-type': SECEVENT_JWT_MEDIA_TYPE,
            accept: JSON_MEDIA_TYPE,
            ...(authorization.value === undefined ? {} : { authorization: authorization.value }),
          },
        };
      },
      body: token,
      timeoutMs,
      signal: options.signal,
      ca: options.ca,
    },
    toPushResult,
  );
}

/**
 * One POST to a receiver, as a push and a webhook both send it: under one deadline of `timeoutMs`
 * (or the caller's `signal`), `endpoint` is vetted against server-side request forgery with
 * `vetting`, `headers` is asked for the request's headers (it may say why there are none), `body`
 * goes to a vetted address, and `read` turns the answer into a result. A refused URL is
 * `refused-url` (or `retry` when it did not resolve, as it may resolve later); no answer is `retry`.
 * @example
 * ```ts
 * const result = await postToReceiver(url, {
 *   vetting: {}, headers: async () => ({ ok: true, value: { 'content-type': JSON_MEDIA_TYPE } }),
 *   body, timeoutMs: 10_000, signal: undefined, ca: undefined,
 * }, (answer) => ({ outcome: 'delivered', status: answer.status }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2.1
 */
export async function postToReceiver(
  endpoint: string | URL,
  post: ReceiverPost,
  read: (answer: VettedAnswer) => PushResult,
): Promise<PushResult> {
  const deadline = startDeadline(post.timeoutMs, post.signal);
  try {
    const check = await checkReceiverUrl(endpoint, { ...post.vetting, signal: deadline.signal });
    if (!check.ok)
      // A name that does not resolve now may resolve later; an address that is refused stays refused.
      return check.code === 'unresolvable'
        ? { outcome: 'retry', reason: check.reason }
        : { outcome: 'refused-url', code: check.code, reason: check.reason };
    const headers = await post.headers(deadline.signal);
    if (!headers.ok) return { outcome: 'retry', reason: headers.reason };
    const exchange = await sendVetted(check, {
      headers: headers.value,
      body: post.body,
      signal: deadline.signal,
      callerSignal: post.signal,
      timeoutMs: post.timeoutMs,
      ca: post.ca,
    });
    return exchange.ok ? read(exchange) : { outcome: 'retry', reason: exchange.reason };
  } finally {
    deadline.dispose();
  }
}

/**
 * What {@link postToReceiver} sends: how the URL is vetted (`checkReceiverUrl`'s options; the
 * deadline's signal is added), the headers, asked once the URL passed and under the deadline, the
 * body, the delivery's budget in ms, the caller's signal and any private certificate authorities.
 * @example `{ vetting: { allowPrivate: true }, headers: async () => ({ ok: true, value: {} }), body, timeoutMs: 5_000, signal, ca: undefined }`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2.1
 */
export interface ReceiverPost {
  readonly vetting: Omit<ReceiverUrlOptions, 'signal'>;
  readonly headers: (
    deadline: AbortSignal,
  ) => Promise<
    | { readonly ok: true; readonly value: Readonly<Record<string, string>> }
    | { readonly ok: false; readonly reason: string }
  >;
  readonly body: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly ca: string | readonly string[] | undefined;
}

/**
 * A timeout option in ms, checked: a whole number from 1 to 2^31 − 1, as Node's timers take (a
 * NaN, negative or fractional one makes them throw, a larger one fire at once).
 * @example `const timeoutMs = checkTimeoutMs('pushSet', options.timeoutMs); // 10000 when undefined`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export function checkTimeoutMs(owner: string, value: unknown): number {
  return checkNumberOption(owner, 'timeoutMs', value, DEFAULT_TIMEOUT_MS, {
    min: 1,
    max: MAX_TIMEOUT_MS,
    integer: true,
  });
}

/** Reads a receiver's answer as RFC 8935 §2.2–2.3 define it. */
function toPushResult(answer: VettedAnswer): PushResult {
  const { status } = answer;
  if (status >= 200 && status < 300) return { outcome: 'delivered', status };
  const error = status === 400 ? parseSetError(answer.body) : undefined;
  if (error !== undefined) return { outcome: 'rejected', status: 400, ...error };
  const wait = parseRetryAfter(answer.headers['retry-after']);
  const retry = (reason: string): PushResult => ({
    outcome: 'retry',
    reason,
    status,
    ...(wait === undefined ? {} : { retryAfterMs: wait }),
  });
  // Only the receiver's own RFC 8935 refusal is final: a 400 page from a proxy or a firewall in
  // front of it says nothing about the SET, and dead-lettering it would lose the event.
  if (status === 400)
    return retry(
      'the receiver answered 400 without an RFC 8935 error body ' +
        '(perhaps a proxy or firewall in front of it); retrying',
    );
  if (status === 401 || status === 403)
    return retry(
      `the receiver answered ${status}: it did not accept the transmitter's credentials ` +
        '(retrying, as they may be rotated; check the stream authorization if it persists)',
    );
  if (status >= 300 && status < 400)
    return retry(
      `the receiver answered ${status} (a redirect); redirects are not followed, ` +
        'so update the stream endpoint to the final URL',
    );
  if (status === 429) return retry('the receiver answered 429: too many requests');
  if (status >= 500) return retry(`the receiver answered ${status}: a server error`);
  return retry(`the receiver answered ${status}`);
}

/** The `{ err, description }` body of RFC 8935 §2.3, or undefined when the body is not one. */
function parseSetError(
  body: string,
): { readonly err: PushErrorCode; readonly description: string } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { err, description } = parsed as { readonly err?: unknown; readonly description?: unknown };
  if (typeof err !== 'string' || !/^[\x21-\x7e]{1,100}$/.test(err)) return undefined;
  return { err, description: typeof description === 'string' ? toLogText(description) : '' };
}

/**
 * `Retry-After` in ms from now: delay-seconds or an HTTP date; undefined when absent or unreadable.
 * @example `parseRetryAfter('120') // 120000`
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  const text = value?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d+$/.test(text)) {
    const ms = Number(text) * 1000;
    return Number.isSafeInteger(ms) ? ms : undefined;
  }
  // Every HTTP-date form starts with a day name; Date.parse alone would read "-5" as a year.
  const at = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** What the race of an authorization function against the deadline gives when the deadline won. */
const ABANDONED: unique symbol = Symbol('abandoned');

/**
 * The authorization header value, asked of the function under the delivery's deadline: a function
 * that never settles must not hold the delivery forever. `late` says why the deadline passed.
 */
async function authorizationOf(
  source: PushSetOptions['authorization'],
  signal: AbortSignal,
  late: () => string,
): Promise<
  | { readonly ok: true; readonly value: string | undefined }
  | { readonly ok: false; readonly reason: string }
> {
  if (typeof source !== 'function') return { ok: true, value: source };
  if (signal.aborted) return { ok: false, reason: late() };
  let onAbort: (() => void) | undefined;
  const abandoned = new Promise<typeof ABANDONED>((settle) => {
    onAbort = () => settle(ABANDONED);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    // Called inside the async function, so that a synchronous throw is a rejection like any other.
    const value = await Promise.race([(async () => source())(), abandoned]);
    return value === ABANDONED ? { ok: false, reason: late() } : { ok: true, value };
  } catch (error) {
    const message = error instanceof Error ? toLogText(error.message) : 'an unknown failure';
    return { ok: false, reason: `no authorization for the receiver: ${message}` };
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  }
}
