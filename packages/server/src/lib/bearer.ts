import { ScimError } from '@scim/core';
import type { Authentication } from './options.js';
import {
  bearerChallenge,
  DIGEST_PATTERN,
  DIGEST_PREFIX,
  digestOf,
  readBearerToken,
  readRealm,
  sha256,
  toHex,
  TOKEN68,
} from './tokens/bearer-header.js';

// A shared bearer token is what Entra ID ("Secret Token") and Okta ("HTTP Header") send. Only
// SHA-256 digests are configured, so a leaked configuration file or log line does not hand out a
// working credential, and the presented token is compared through its digest: the attacker then
// controls nothing about the bytes being compared, and every configured digest is checked in full.

const DIGEST_BYTES = 32;
// The digest of the empty string: what `hashBearerToken(process.env.SCIM_TOKEN ?? '')` yields
// when the variable is unset, which must not quietly become a configuration.
const EMPTY_DIGEST = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * One accepted bearer token: its SHA-256 digest and who presents it.
 * @example `{ sha256: 'sha256:9f86…0f00a08', label: 'entra-2026-11', tenant: 'acme' }`
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export interface BearerToken {
  /** `sha256:` and 64 hex digits, as {@link hashBearerToken} or `sha256sum` writes them. */
  readonly sha256: string;
  /**
   * Names the token in `onUse` and in configuration errors; never sent to the client. Default:
   * `sha256:` and the digest's first 8 hex digits.
   */
  readonly label?: string;
  /** Who the caller is (default: the label). */
  readonly principal?: unknown;
  readonly tenant?: string;
  /** See {@link Authentication.grants}: cursors are bound to it. */
  readonly grants?: string;
}

/**
 * What `onUse` is told each time a configured token is accepted.
 * @example `onUse: ({ label }) => metrics.increment('scim.token', { label })`
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export interface BearerTokenUse {
  readonly label: string;
  readonly principal: unknown;
  readonly tenant: string | undefined;
  readonly request: Request;
}

/**
 * The tokens an endpoint accepts, and who each one stands for.
 * @example
 * ```ts
 * bearerTokens({
 *   tokens: [{ sha256: process.env.SCIM_TOKEN_SHA256!, label: 'entra' }],
 *   onUse: ({ label }) => console.log(`SCIM request with token ${label}`),
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750
 */
export interface BearerTokensOptions {
  /**
   * Every token accepted now: several at once let a token be rotated without downtime. A string is
   * a digest on its own (`sha256:…`).
   */
  readonly tokens: readonly (string | BearerToken)[];
  /**
   * Runs after a token matched and before the request: see which token a client uses (has the old
   * one stopped during a rotation?). It is awaited; a `ScimError` thrown here answers the request.
   */
  readonly onUse?: (use: BearerTokenUse) => void | Promise<void>;
  /** The `realm` of the `WWW-Authenticate: Bearer` challenge (RFC 6750 §3); none by default. */
  readonly realm?: string;
}

interface Entry {
  readonly digest: Uint8Array;
  readonly authentication: Authentication;
  readonly label: string;
}

function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/**
 * Computes the digest to configure for a bearer token, as `sha256:` and 64 lowercase hex digits.
 * The token must be token68 (RFC 6750 §2.1), since no other value can ever be presented.
 * @example `await hashBearerToken('k3Hq…') // 'sha256:5a1f…'`
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export async function hashBearerToken(token: string): Promise<string> {
  if (typeof token !== 'string' || !TOKEN68.test(token)) {
    // The value itself stays out of the message: it is a secret.
    throw new TypeError(
      'hashBearerToken: a bearer token is one or more of A-Z a-z 0-9 - . _ ~ + / followed by optional = (RFC 6750 §2.1)',
    );
  }
  return digestOf(token);
}

function describe(index: number, label: string | undefined): string {
  return `bearerTokens: tokens[${index}]${label === undefined ? '' : ` ('${label}')`}`;
}

function readEntry(token: unknown, index: number): Entry {
  const config: Partial<BearerToken> =
    typeof token === 'string' ? { sha256: token } : (token as Partial<BearerToken>);
  if (typeof config !== 'object' || config === null)
    throw new TypeError(`${describe(index, undefined)} must be a digest string or { sha256, … }`);
  const { sha256: digest, label, principal, tenant, grants } = config;
  if (label !== undefined && (typeof label !== 'string' || label === ''))
    throw new TypeError(`${describe(index, undefined)}: label must be a non-empty string`);
  const where = describe(index, label);
  // Never echo the value: someone may have pasted the token itself instead of its digest.
  if (typeof digest !== 'string' || !DIGEST_PATTERN.test(digest)) {
    throw new TypeError(
      `${where} is not a SHA-256 digest: expected 'sha256:' and 64 hex digits, as hashBearerToken(token) or \`printf %s "$TOKEN" | sha256sum\` give; configure the digest, never the token itself`,
    );
  }
  const hex = digest.slice(DIGEST_PREFIX.length).toLowerCase();
  if (hex === EMPTY_DIGEST)
    throw new TypeError(`${where} is the digest of an empty token (an unset variable?)`);
  if (tenant !== undefined && typeof tenant !== 'string')
    throw new TypeError(`${where}: tenant must be a string`);
  if (grants !== undefined && typeof grants !== 'string')
    throw new TypeError(`${where}: grants must be a string`);
  const name = label ?? `${DIGEST_PREFIX}${hex.slice(0, 8)}`;
  return {
    digest: fromHex(hex),
    label: name,
    // Shared by every request that presents this token, so nothing downstream may change it.
    authentication: Object.freeze({
      principal: principal === undefined ? name : principal,
      ...(tenant === undefined ? {} : { tenant }),
      ...(grants === undefined ? {} : { grants }),
    }),
  };
}

function readEntries(tokens: unknown): readonly Entry[] {
  if (!Array.isArray(tokens) || tokens.length === 0)
    throw new TypeError('bearerTokens: tokens must be an array of at least one SHA-256 digest');
  const entries = tokens.map((token: unknown, index) => readEntry(token, index));
  const digests = new Map<string, number>();
  const labels = new Map<string, number>();
  entries.forEach((entry, index) => {
    const hex = toHex(entry.digest);
    const sameDigest = digests.get(hex);
    if (sameDigest !== undefined)
      throw new TypeError(
        `bearerTokens: tokens[${sameDigest}] and tokens[${index}] are the same token`,
      );
    const sameLabel = labels.get(entry.label);
    if (sameLabel !== undefined)
      throw new TypeError(
        `bearerTokens: tokens[${sameLabel}] and tokens[${index}] share the label '${entry.label}'`,
      );
    digests.set(hex, index);
    labels.set(entry.label, index);
  });
  return entries;
}

/**
 * Index of the one configured digest equal to `presented`, or -1. Every digest is compared in full
 * and the loop never ends early, so the time taken says nothing about which digest was closest.
 */
function findDigest(entries: readonly Entry[], presented: Uint8Array): number {
  let found = 0;
  for (let i = 0; i < entries.length; i += 1) {
    const digest = (entries[i] as Entry).digest;
    let diff = 0;
    for (let j = 0; j < DIGEST_BYTES; j += 1)
      diff |= (digest[j] as number) ^ (presented[j] as number);
    // 1 exactly when diff is 0 (diff is 0..255), computed without a branch.
    const hit = ((diff - 1) >>> 31) & 1;
    found |= -hit & (i + 1);
  }
  return found - 1;
}

/**
 * Makes an `authenticate` function that accepts `Authorization: Bearer <token>` for any of the
 * configured tokens, given as SHA-256 digests; anything else is 401 with `WWW-Authenticate: Bearer`.
 * Configuration mistakes (no tokens, a malformed or repeated digest) throw a TypeError at once.
 * @example
 * ```ts
 * createScimHandler({
 *   stores,
 *   authenticate: bearerTokens({
 *     tokens: [
 *       { sha256: process.env.SCIM_TOKEN_SHA256!, label: 'entra-2026-11' },
 *       { sha256: process.env.SCIM_NEXT_TOKEN_SHA256!, label: 'entra-2027-05' },
 *     ],
 *     onUse: ({ label }) => console.log(`SCIM token in use: ${label}`),
 *   }),
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export function bearerTokens(
  options: BearerTokensOptions,
): (request: Request) => Promise<Authentication> {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('bearerTokens: options must be an object with tokens');
  const entries = readEntries(options.tokens);
  const realm = readRealm(options.realm, 'bearerTokens');
  if (options.onUse !== undefined && typeof options.onUse !== 'function')
    throw new TypeError('bearerTokens: onUse must be a function');
  const onUse = options.onUse;
  const challenge = bearerChallenge(realm);

  return async (request) => {
    const token = readBearerToken(request, challenge);
    const index = findDigest(entries, await sha256(token));
    const entry = entries[index];
    if (entry === undefined)
      throw ScimError.unauthorized('The bearer token is not valid', challenge('invalid_token'));
    await onUse?.({
      label: entry.label,
      principal: entry.authentication.principal,
      tenant: entry.authentication.tenant,
      request,
    });
    return entry.authentication;
  };
}
