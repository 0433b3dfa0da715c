// `authenticate` over a token store: the presented token's SHA-256 is the lookup key, so finding it
// is one Map.get or one indexed query whatever the number of tokens. Looking up by a digest leaks
// nothing through timing: an attacker who cannot find SHA-256 preimages cannot choose the bytes of
// the key being compared, which is the property `bearerTokens` gets from comparing every digest.
import { ScimError } from '@scim/core';
import type { Authentication } from '../options.js';
import {
  bearerChallenge,
  digestNow,
  digestOf,
  readBearerToken,
  readRealm,
} from './bearer-header.js';
import { stateOf } from './manager.js';
import type { TokenRecord, TokenStore } from './store.js';

const OWNER = 'tokenAuthenticator';
// How many tokens' last touch attempts one authenticator remembers. A server sees far fewer live
// tokens per interval than this; past it the oldest attempt is forgotten, which costs at most one
// extra write.
const MAX_REMEMBERED_TOUCHES = 10_000;

/**
 * The principal `tokenAuthenticator` reports: which token called, by id and label, never by value.
 * @example `{ tokenId: '9b1d…', label: 'entra' }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-2
 */
export interface TokenPrincipal {
  readonly tokenId: string;
  readonly label: string;
}

/**
 * What `tokenAuthenticator` answers for a live token: its tenant, its scopes and who it is.
 * @example `{ principal: { tokenId: '9b1d…', label: 'audit' }, tenant: 'acme', scopes: ['scim:read'] }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-2
 */
export interface TokenAuthentication extends Authentication {
  readonly principal: TokenPrincipal;
  readonly tenant: string;
}

/**
 * How `tokenAuthenticator` reads tokens and records their use.
 * @example `{ store, realm: 'scim', touchIntervalMs: 300_000, onError: (error) => log.warn(error) }`
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export interface TokenAuthenticatorOptions {
  readonly store: TokenStore;
  /** The clock (default `new Date()`), for tests. */
  readonly now?: () => Date;
  /** The `realm` of the `WWW-Authenticate: Bearer` challenge (RFC 6750 §3); none by default. */
  readonly realm?: string;
  /**
   * How stale `lastUsedAt` may get before a request records a use (default 60,000 ms): a busy
   * token then costs one store write a minute, not one per request, however many requests run at
   * once and whether or not the write succeeds. 0 records every request.
   */
  readonly touchIntervalMs?: number;
  /**
   * Told when recording a use failed, at most once per token and `touchIntervalMs`. The request is
   * not held up or failed by it: the write runs after the lookup without being awaited. Default:
   * `console.error`.
   */
  readonly onError?: (error: unknown, token: TokenPrincipal) => void;
}

/**
 * Makes an `authenticate` for `createScimHandler` that accepts `Authorization: Bearer <token>` for
 * live tokens of a {@link TokenStore}: the tenant and scopes come from the token. A missing or
 * malformed header is 401 as with `bearerTokens`; an unknown, revoked or expired token is 401 with
 * `WWW-Authenticate: Bearer error="invalid_token"`. The store is asked on every request, so a
 * revocation or expiry is seen by the very next one, in every process that shares the store.
 * @example
 * ```ts
 * const store = createMemoryTokenStore();
 * const handler = createScimHandler({ stores, authenticate: tokenAuthenticator({ store }) });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function tokenAuthenticator(
  options: TokenAuthenticatorOptions,
): (request: Request) => Promise<TokenAuthentication> {
  if (typeof options !== 'object' || options === null || typeof options.store !== 'object')
    throw new TypeError(`${OWNER}: options must be an object with a store`);
  const { store } = options;
  const now = options.now ?? (() => new Date());
  const challenge = bearerChallenge(readRealm(options.realm, OWNER));
  const touchIntervalMs = options.touchIntervalMs ?? 60_000;
  if (!Number.isFinite(touchIntervalMs) || touchIntervalMs < 0)
    throw new TypeError(`${OWNER}: touchIntervalMs must be a number of milliseconds, 0 or more`);
  const onError = options.onError ?? logTouchError;
  // When this authenticator last asked the store to touch each token, oldest first. The record's
  // lastUsedAt alone lags behind: requests that start together all read it before any write
  // lands, and a write that fails never moves it, so each of them would write (and log) again.
  const attempts = new Map<string, number>();

  /** Records the use after the answer is on its way; a slow or failing store delays nothing. */
  function touch(record: TokenRecord, principal: TokenPrincipal, at: Date): void {
    if (touchIntervalMs > 0) {
      const time = at.getTime();
      // The record's own lastUsedAt first: once a write has landed it answers, and the map of
      // attempts (one more lookup, in memory no other request of this token has touched) is left.
      const used = record.lastUsedAt?.getTime();
      if (used !== undefined && time - used < touchIntervalMs) return;
      const attempted = attempts.get(record.id);
      if (attempted !== undefined && time - attempted < touchIntervalMs) return;
      // Set before the store is called, so the requests that follow while it runs skip it.
      attempts.delete(record.id);
      attempts.set(record.id, time);
      const oldest = attempts.keys().next();
      if (attempts.size > MAX_REMEMBERED_TOUCHES && oldest.done !== true)
        attempts.delete(oldest.value);
    }
    // Through a promise, so a store that throws instead of rejecting is reported the same way.
    Promise.resolve()
      .then(() => store.touch(record.id, at))
      .catch((error: unknown) => {
        try {
          onError(error, principal);
        } catch {
          // A failing reporter has no one left to report to.
        }
      });
  }

  return async (request) => {
    const token = readBearerToken(request, challenge);
    // Hashed at once where the runtime can: awaiting an asynchronous hash costs every request a
    // turn of the microtask queue.
    const record = await store.findByHash(digestNow(token) ?? (await digestOf(token)));
    if (record === undefined)
      throw ScimError.unauthorized('The bearer token is not valid', challenge('invalid_token'));
    const at = now();
    const state = stateOf(record, at);
    if (state !== 'live')
      // Only the holder of the token learns this, and it tells them to ask for a new one.
      throw ScimError.unauthorized(
        state === 'revoked' ? 'The bearer token has been revoked' : 'The bearer token has expired',
        challenge('invalid_token'),
      );
    const principal: TokenPrincipal = Object.freeze({ tokenId: record.id, label: record.label });
    touch(record, principal, at);
    // Two literals rather than a spread of an empty object: this runs on every request.
    const { tenant, scopes } = record;
    return Object.freeze(
      scopes === undefined ? { principal, tenant } : { principal, tenant, scopes },
    );
  };
}

function logTouchError(error: unknown, token: TokenPrincipal): void {
  console.error(`[scim] recording the last use of token ${token.tokenId} failed:`, error);
}
