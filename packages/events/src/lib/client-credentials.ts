// An OAuth 2.0 client-credentials token source (RFC 6749 §4.4) for push receivers that want a fresh
// access token rather than a fixed bearer token. The token is cached until shortly before it
// expires, and however many deliveries ask at once, one request at a time goes to the token
// endpoint. The endpoint passes the same server-side request forgery check as a receiver URL, on
// every request, since it too may have been configured by someone other than the operator.
//
// Failures are results whose messages name the endpoint's OAuth error and description, never the
// client secret or a token.
import { FORM_MEDIA_TYPE, JSON_MEDIA_TYPE } from '@scim/core';
import { checkTimeoutMs } from './push-transport.js';
import { checkReceiverUrl, type ReceiverUrlResolver } from './receiver-url.js';
import { checkNumberOption } from './replay.js';
import { sendVetted, startDeadline, toLogText, type VettedAnswer } from './vetted-exchange.js';

const DEFAULT_REFRESH_BEFORE_MS = 30_000;
/** How long a token without `expires_in` is used; a receiver's 401 can end it sooner (`invalidate`). */
const DEFAULT_LIFETIME_MS = 5 * 60_000;

/**
 * Options of {@link createClientCredentials}. The client authenticates with HTTP Basic (`basic`, the
 * default, RFC 6749 §2.3.1) or with `client_id` and `client_secret` in the form body (`body`).
 * `scope` is sent space-separated; `audience` is the parameter Auth0, Okta and others use to name
 * the API the token is for. `allowLoopback`, `allowPrivate`, `allowMetadata`, `allowHttp`, `resolve`
 * and `ca` are as for `pushSet`. `timeoutMs` (a whole number from 1 to 2,147,483,647) and
 * `refreshBeforeMs` (finite, ≥ 0) are checked when the source is made: any other value is a
 * RangeError there, so that `token()` keeps its promise never to throw.
 * @example
 * ```ts
 * { tokenEndpoint: 'https://idp.example.com/oauth2/token', clientId: 'scim-events', clientSecret,
 *   scope: ['events:write'], audience: 'https://receiver.example.com' }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4.2
 */
export interface ClientCredentialsOptions {
  readonly tokenEndpoint: string | URL;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clientAuthentication?: 'basic' | 'body' | undefined;
  readonly scope?: string | readonly string[] | undefined;
  readonly audience?: string | undefined;
  /** Fetch a new token this many ms before the cached one expires (30,000). */
  readonly refreshBeforeMs?: number | undefined;
  /** How long one token request may take, in ms (10,000). */
  readonly timeoutMs?: number | undefined;
  readonly allowLoopback?: boolean | undefined;
  readonly allowPrivate?: boolean | undefined;
  readonly allowMetadata?: boolean | undefined;
  readonly allowHttp?: boolean | undefined;
  readonly resolve?: ReceiverUrlResolver | undefined;
  readonly ca?: string | readonly string[] | undefined;
  /** The clock, in ms since the epoch (`Date.now`); tests move it. */
  readonly now?: (() => number) | undefined;
}

/**
 * An access token from the token endpoint, with when it expires (ms since the epoch).
 * @example `{ accessToken: 'eyJhbGciOi…', expiresAt: 1767225600000 }`
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export interface ClientCredentialsToken {
  readonly accessToken: string;
  readonly expiresAt: number;
}

/**
 * Why no token was obtained:
 * - `oauth_error`: the endpoint answered an OAuth error (`error` is its code, such as
 *   `invalid_client`, RFC 6749 §5.2); fix the configuration;
 * - `http_error`: a non-2xx answer without an OAuth error body (such as a 503); may be temporary;
 * - `invalid_response`: a 2xx answer that is not a bearer token response (RFC 6749 §5.1);
 * - `network`: no answer (refused, reset, timed out, or the name did not resolve); may be temporary;
 * - `refused_url`: the token endpoint failed the server-side request forgery check.
 * @example `{ code: 'oauth_error', error: 'invalid_client', status: 401, message: 'the token endpoint answered 401 invalid_client: Client authentication failed' }`
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export interface ClientCredentialsIssue {
  readonly code: 'oauth_error' | 'http_error' | 'invalid_response' | 'network' | 'refused_url';
  readonly message: string;
  readonly error?: string;
  readonly status?: number;
}

/**
 * The outcome of {@link ClientCredentialsSource.token}.
 * @example `const result = await tokens.token(); if (!result.ok) console.warn(result.issues[0].message);`
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4.3
 */
export type ClientCredentialsResult =
  | { readonly ok: true; readonly value: ClientCredentialsToken }
  | { readonly ok: false; readonly issues: readonly [ClientCredentialsIssue] };

/**
 * A cached client-credentials token, made by {@link createClientCredentials}.
 * - `token()` gives the cached token, or fetches one when none is cached or it expires soon;
 * - `authorization()` gives `Bearer <token>` for `pushSet`'s `authorization` option, and throws an
 *   `Error` whose message is the issue's when no token can be had (so the push is retried);
 * - `invalidate()` drops the cached token, for when a receiver answered 401 to it.
 * @example `pushSet(set, endpoint, { authorization: tokens.authorization })`
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 */
export interface ClientCredentialsSource {
  readonly token: () => Promise<ClientCredentialsResult>;
  readonly authorization: () => Promise<string>;
  readonly invalidate: () => void;
}

/**
 * Makes an OAuth 2.0 client-credentials token source for push delivery: it requests a token with
 * `grant_type=client_credentials`, caches it until `refreshBeforeMs` before `expires_in` runs out,
 * and shares one request among concurrent callers. Number options are checked here: a NaN,
 * negative or fractional `timeoutMs` is a RangeError at once, not a throw on each request.
 * @example
 * ```ts
 * const tokens = createClientCredentials({
 *   tokenEndpoint: 'https://idp.example.com/oauth2/token',
 *   clientId: 'scim-events',
 *   clientSecret: process.env.EVENTS_CLIENT_SECRET!,
 *   scope: 'events:write',
 * });
 * const result = await pushSet(set, 'https://receiver.example.com/events', { authorization: tokens.authorization });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 */
export function createClientCredentials(
  options: ClientCredentialsOptions,
): ClientCredentialsSource {
  const now = options.now ?? Date.now;
  const timeoutMs = checkTimeoutMs('createClientCredentials', options.timeoutMs);
  const refreshBeforeMs = checkNumberOption(
    'createClientCredentials',
    'refreshBeforeMs',
    options.refreshBeforeMs,
    DEFAULT_REFRESH_BEFORE_MS,
  );
  let cached: { readonly token: ClientCredentialsToken; readonly refreshAt: number } | undefined;
  let inflight: Promise<ClientCredentialsResult> | undefined;

  const fetchToken = async (): Promise<ClientCredentialsResult> => {
    const issuedAt = now();
    const result = await requestToken(options, timeoutMs, issuedAt);
    if (result.ok) {
      const lifetime = result.value.expiresAt - issuedAt;
      // A short-lived token is refreshed halfway through rather than not cached at all.
      const margin = Math.min(refreshBeforeMs, lifetime / 2);
      cached = { token: result.value, refreshAt: result.value.expiresAt - margin };
    }
    return result;
  };

  const token = (): Promise<ClientCredentialsResult> => {
    if (cached !== undefined && now() < cached.refreshAt)
      return Promise.resolve({ ok: true, value: cached.token });
    inflight ??= fetchToken().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };

  return {
    token,
    authorization: async () => {
      const result = await token();
      if (!result.ok) throw new Error(result.issues[0].message);
      return `Bearer ${result.value.accessToken}`;
    },
    invalidate: () => {
      cached = undefined;
    },
  };
}

/** One token request (RFC 6749 §4.4.2) and the reading of its answer (§5.1, §5.2). */
async function requestToken(
  options: ClientCredentialsOptions,
  timeoutMs: number,
  issuedAt: number,
): Promise<ClientCredentialsResult> {
  const deadline = startDeadline(timeoutMs, undefined);
  try {
    return await exchangeToken(options, timeoutMs, deadline.signal, issuedAt);
  } finally {
    deadline.dispose();
  }
}

async function exchangeToken(
  options: ClientCredentialsOptions,
  timeoutMs: number,
  signal: AbortSignal,
  issuedAt: number,
): Promise<ClientCredentialsResult> {
  const check = await checkReceiverUrl(options.tokenEndpoint, {
    allowLoopback: options.allowLoopback,
    allowPrivate: options.allowPrivate,
    allowMetadata: options.allowMetadata,
    allowHttp: options.allowHttp,
    resolve: options.resolve,
    signal,
  });
  if (!check.ok)
    return failure(
      check.code === 'unresolvable' ? 'network' : 'refused_url',
      `token endpoint: ${check.reason}`,
    );

  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  const scope = [options.scope ?? []].flat().join(' ');
  if (scope !== '') form.set('scope', scope);
  if (options.audience !== undefined) form.set('audience', options.audience);
  const headers: Record<string, string> = {
    'content-type': FORM_MEDIA_TYPE,
    accept: JSON_MEDIA_TYPE,
  };
  if (options.clientAuthentication === 'body') {
    form.set('client_id', options.clientId);
    form.set('client_secret', options.clientSecret);
  } else headers.authorization = basicCredentials(options.clientId, options.clientSecret);

  const exchange = await sendVetted(check, {
    headers,
    body: form.toString(),
    signal,
    timeoutMs,
    ca: options.ca,
  });
  if (!exchange.ok) return failure('network', `token endpoint: ${exchange.reason}`);
  return readTokenAnswer(exchange, issuedAt);
}

function readTokenAnswer(answer: VettedAnswer, issuedAt: number): ClientCredentialsResult {
  const { status } = answer;
  const body = parseObject(answer.body);
  if (status < 200 || status >= 300) {
    const error = body?.error;
    if (typeof error === 'string' && error !== '') {
      const description =
        typeof body?.error_description === 'string' ? `: ${toLogText(body.error_description)}` : '';
      return failure(
        'oauth_error',
        `the token endpoint answered ${status} ${toLogText(error)}${description}`,
        { error: toLogText(error), status },
      );
    }
    return failure('http_error', `the token endpoint answered ${status}`, { status });
  }

  const invalid = (why: string) =>
    failure('invalid_response', `the token endpoint's answer ${why}`, { status });
  if (body === undefined) return invalid('is not a JSON object');
  const { access_token: accessToken, token_type: tokenType, expires_in: expiresIn } = body;
  // The token goes into an Authorization header: visible ASCII only, so it cannot split the header.
  if (typeof accessToken !== 'string' || !/^[\x21-\x7e]+$/.test(accessToken))
    return invalid('has no usable access_token');
  // token_type is REQUIRED (§5.1) but some endpoints leave it out; only a bearer token can be sent.
  if (
    tokenType !== undefined &&
    (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer')
  )
    return invalid(
      `has token_type ${typeof tokenType === 'string' ? JSON.stringify(toLogText(tokenType)) : `of type ${typeof tokenType}`}, not Bearer`,
    );
  // expires_in is a number of seconds; some endpoints send it as a string of digits.
  const seconds =
    typeof expiresIn === 'number'
      ? expiresIn
      : typeof expiresIn === 'string' && /^\d+$/.test(expiresIn)
        ? Number(expiresIn)
        : undefined;
  if (
    expiresIn !== undefined &&
    (seconds === undefined || !Number.isFinite(seconds) || seconds < 0)
  )
    return invalid('has an unreadable expires_in');
  const lifetimeMs = seconds === undefined ? DEFAULT_LIFETIME_MS : seconds * 1000;
  return { ok: true, value: { accessToken, expiresAt: issuedAt + lifetimeMs } };
}

/**
 * HTTP Basic credentials as RFC 6749 §2.3.1 spells them: the client id and secret are each
 * form-urlencoded first, so a `:` in the id cannot be mistaken for the separator.
 */
function basicCredentials(clientId: string, clientSecret: string): string {
  const encode = (value: string): string => new URLSearchParams([['', value]]).toString().slice(1);
  const pair = `${encode(clientId)}:${encode(clientSecret)}`;
  return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
}

function parseObject(text: string): Readonly<Record<string, unknown>> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function failure(
  code: ClientCredentialsIssue['code'],
  message: string,
  extra: { readonly error?: string; readonly status?: number } = {},
): ClientCredentialsResult {
  return { ok: false, issues: [{ code, message, ...extra }] };
}
