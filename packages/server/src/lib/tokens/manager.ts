// Issuing, listing, rotating and revoking tokens over a token store. The token itself exists only in
// the value `issue` and `rotate` return; the store keeps its SHA-256.
import { digestOf } from './bearer-header.js';
import { readScopes } from './scopes.js';
import type { TokenRecord, TokenStore } from './store.js';

/**
 * Where a token stands now: `live` tokens authenticate, the others answer 401.
 * @example `if (summary.state !== 'live') console.log(`${summary.label} is ${summary.state}`)`
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export type TokenState = 'live' | 'expired' | 'revoked';

/**
 * A token as `list`, `issue`, `rotate` and `revoke` describe it: its record without the digest, and
 * its state. Safe to show to an administrator or to serialise.
 * @example `{ id: '9b1d…', tenant: 'acme', label: 'entra', createdAt, lastUsedAt, state: 'live' }`
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export interface TokenSummary extends Omit<TokenRecord, 'sha256'> {
  readonly state: TokenState;
}

/**
 * A token just made: `token` is the secret, returned this once and stored nowhere; hand it to the
 * client (the IdP's "Secret Token" field) and drop it.
 * @example `const { token, record } = await tokens.issue({ tenant: 'acme', label: 'entra' })`
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export interface IssuedToken {
  readonly token: string;
  readonly record: TokenSummary;
}

/**
 * What a new token is for.
 * @example `{ tenant: 'acme', label: 'audit-tool', scopes: ['scim:read'], expiresAt: new Date('2027-01-01') }`
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export interface IssueTokenInput {
  readonly tenant: string;
  /** At most 200 characters, with no control characters or line breaks: it is written to logs. */
  readonly label: string;
  /** See {@link SCIM_SCOPES}; leave out for a token that may read and write. */
  readonly scopes?: readonly string[];
  /** Default: none, the token works until revoked. */
  readonly expiresAt?: Date;
}

/**
 * Whose token `revoke` (and `rotate`) may reach, said every time: `{ tenant }` treats another
 * tenant's token as unknown, so an administrator of one tenant cannot reach another's;
 * `{ anyTenant: true }` is for an operator who acts on every tenant, and says so where it is
 * written.
 * @example `{ tenant: 'acme' }`
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.2
 */
export type RevokeTokenOptions =
  | { readonly tenant: string; readonly anyTenant?: never }
  | { readonly anyTenant: true; readonly tenant?: never };

/**
 * How `rotate` treats the old token and makes the new one, and whose token it may be: `tenant`, or
 * `anyTenant: true`.
 * @example `{ tenant: 'acme', overlapMs: 7 * 24 * 3600_000 }`
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export type RotateTokenOptions = RevokeTokenOptions & {
  /**
   * The old token keeps working this long (never past its own expiry), for the client to switch;
   * 0 ends it at once. Default: it keeps working until it is revoked or expires.
   */
  readonly overlapMs?: number;
  /** Default: the old token's label. The same rules as `issue`'s label. */
  readonly label?: string;
  /** Default: as long a life as the old token was given, or none if it had no expiry. */
  readonly expiresAt?: Date;
};

/**
 * The token helpers `createTokenManager` makes.
 * @example
 * ```ts
 * const { token } = await tokens.issue({ tenant: 'acme', label: 'entra' });
 * const next = await tokens.rotate(id, { tenant: 'acme', overlapMs: 86_400_000 });
 * await tokens.revoke(id, { tenant: 'acme' });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export interface TokenManager {
  /** Makes a token and stores its digest; the token is in the answer and nowhere else. */
  issue(input: IssueTokenInput): Promise<IssuedToken>;
  /** A tenant's tokens, revoked and expired ones included, oldest first; never a secret or digest. */
  list(tenant: string): Promise<readonly TokenSummary[]>;
  /**
   * Issues a token like a live one (tenant, scopes, label) before the old one is shortened, so the
   * tenant is never left without a working token. Undefined when there is no live token with this
   * id in the tenant named (or, with `anyTenant`, in any).
   */
  rotate(id: string, options: RotateTokenOptions): Promise<IssuedToken | undefined>;
  /**
   * Ends a token at once: the next request with it is 401. Revoking a revoked token changes
   * nothing. Undefined when there is no token with this id in the tenant named (or, with
   * `anyTenant`, in any).
   */
  revoke(id: string, options: RevokeTokenOptions): Promise<TokenSummary | undefined>;
}

/**
 * What a token manager works with.
 * @example `{ store: createMemoryTokenStore(), prefix: 'acme_scim_' }`
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export interface TokenManagerOptions {
  readonly store: TokenStore;
  /** The clock (default `new Date()`), for tests. */
  readonly now?: () => Date;
  /** Fills `size` random bytes (default `crypto.getRandomValues`); for tests. */
  readonly randomBytes?: (size: number) => Uint8Array;
  /** Makes token ids (default `crypto.randomUUID`). */
  readonly generateId?: () => string;
  /**
   * Starts every token (default `scim_`), so secret scanners and people can tell a leaked one:
   * letters, digits and `_`, at most 32 characters.
   */
  readonly prefix?: string;
}

const OWNER = 'createTokenManager';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
// 43 characters of 62 carry 256 bits, as much as SHA-256 keeps.
const SECRET_LENGTH = 43;
// Bytes from 248 up would make the first 8 characters likelier than the rest.
const UNBIASED_BELOW = 248;
const MAX_LABEL = 200;

/**
 * Makes the helpers that issue, list, rotate and revoke tokens in a {@link TokenStore}. A token is
 * the prefix and 43 random characters of `[0-9A-Za-z]` (256 bits): it is token68 (RFC 6750 §2.1),
 * selects with one double-click, and needs no escaping in any header, URL or shell.
 * @example
 * ```ts
 * const store = createMemoryTokenStore();
 * const tokens = createTokenManager({ store });
 * const { token, record } = await tokens.issue({ tenant: 'acme', label: 'entra' });
 * console.log(`Secret Token for Entra ID (shown once): ${token}`);
 * const handler = createScimHandler({ stores, authenticate: tokenAuthenticator({ store }) });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export function createTokenManager(options: TokenManagerOptions): TokenManager {
  if (typeof options !== 'object' || options === null || typeof options.store !== 'object')
    throw new TypeError(`${OWNER}: options must be an object with a store`);
  const { store } = options;
  const now = options.now ?? (() => new Date());
  const randomBytes =
    options.randomBytes ?? ((size: number) => crypto.getRandomValues(new Uint8Array(size)));
  const generateId = options.generateId ?? (() => crypto.randomUUID());
  const prefix = options.prefix ?? 'scim_';
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_]{0,32}$/.test(prefix))
    throw new TypeError(`${OWNER}: prefix must be at most 32 letters, digits or _`);

  function secret(): string {
    let text = prefix;
    while (text.length < prefix.length + SECRET_LENGTH) {
      for (const byte of randomBytes(64)) {
        if (byte >= UNBIASED_BELOW) continue;
        text += BASE62[byte % 62];
        if (text.length === prefix.length + SECRET_LENGTH) break;
      }
    }
    return text;
  }

  async function create(
    fields: Omit<TokenRecord, 'id' | 'sha256' | 'createdAt'>,
    at: Date,
  ): Promise<IssuedToken> {
    const token = secret();
    const record: TokenRecord = {
      id: generateId(),
      ...fields,
      sha256: await digestOf(token),
      createdAt: at,
    };
    await store.insert(record);
    return { token, record: summarize(record, at) };
  }

  /** The token with this id, if it is there and (unless `anyTenant`) the named tenant's. */
  async function find(id: string, tenant: string | undefined): Promise<TokenRecord | undefined> {
    if (typeof id !== 'string' || id === '') return undefined;
    const record = await store.get(id);
    return record === undefined || (tenant !== undefined && record.tenant !== tenant)
      ? undefined
      : record;
  }

  return {
    async issue(input) {
      const at = now();
      const tenant = readName(input.tenant, 'tenant');
      const label = readLabel(input.label);
      const scopes = readScopes(input.scopes, OWNER);
      const expiresAt = readExpiry(input.expiresAt, at);
      return create(
        {
          tenant,
          label,
          ...(scopes === undefined ? {} : { scopes }),
          ...(expiresAt === undefined ? {} : { expiresAt }),
        },
        at,
      );
    },

    async list(tenant) {
      const at = now();
      const records = await store.list(readName(tenant, 'tenant'));
      return records.map((record) => summarize(record, at));
    },

    async rotate(id, rotation) {
      const at = now();
      const tenant = readReach(rotation, 'rotate');
      const overlapMs = rotation.overlapMs;
      if (overlapMs !== undefined && !(Number.isFinite(overlapMs) && overlapMs >= 0))
        throw new TypeError(`${OWNER}: overlapMs must be a number of milliseconds, 0 or more`);
      // Past 8.64e15 ms a Date is Invalid, and an Invalid expiry must never be what a store keeps.
      const overlapEnd =
        overlapMs === undefined ? undefined : toDate(at.getTime() + overlapMs, 'overlapMs');
      const label = rotation.label === undefined ? undefined : readLabel(rotation.label);
      const old = await find(id, tenant);
      if (old === undefined || stateOf(old, at) !== 'live') return undefined;
      const lifetime =
        old.expiresAt === undefined ? undefined : old.expiresAt.getTime() - old.createdAt.getTime();
      const expiresAt =
        rotation.expiresAt !== undefined
          ? readExpiry(rotation.expiresAt, at)
          : lifetime === undefined
            ? undefined
            : toDate(at.getTime() + lifetime, "the old token's lifetime");
      // The new token is stored before the old one is shortened: a failure in between leaves two
      // live tokens, never none.
      const issued = await create(
        {
          tenant: old.tenant,
          label: label ?? old.label,
          ...(old.scopes === undefined ? {} : { scopes: old.scopes }),
          ...(expiresAt === undefined ? {} : { expiresAt }),
          rotatedFrom: old.id,
        },
        at,
      );
      if (overlapEnd !== undefined) await store.expire(old.id, overlapEnd);
      return issued;
    },

    async revoke(id, revocation) {
      const at = now();
      const record = await find(id, readReach(revocation, 'revoke'));
      if (record === undefined) return undefined;
      const revoked = await store.revoke(record.id, at);
      return revoked === undefined ? undefined : summarize(revoked, at);
    },
  };
}

/**
 * `revoked` once revoked, whatever the clocks say; `expired` from `expiresAt` on; else `live`.
 * Revocation is read from the record on every request, so it takes effect with the next one. An
 * `expiresAt` that is no valid Date (a database value that did not parse) is expired: every
 * comparison with NaN is false, and a check written the other way round would let it live forever.
 */
export function stateOf(record: TokenRecord, at: Date): TokenState {
  if (record.revokedAt !== undefined) return 'revoked';
  const expiresAt: unknown = record.expiresAt;
  if (expiresAt === undefined) return 'live';
  return expiresAt instanceof Date && expiresAt.getTime() > at.getTime() ? 'live' : 'expired';
}

/** The record without its digest: nothing in a summary can be used to look a token up. */
function summarize(record: TokenRecord, at: Date): TokenSummary {
  const { sha256: _digest, ...rest } = record;
  return Object.freeze({ ...rest, state: stateOf(record, at) });
}

function readName(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_LABEL)
    throw new TypeError(
      `${OWNER}: ${name} must be a non-empty string of at most ${MAX_LABEL} characters`,
    );
  return value;
}

/** Control characters (C0, DEL, C1 with NEL) and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** A label is shown in lists and written to logs, so nothing in it may start a line (CWE-117). */
function readLabel(value: unknown): string {
  const label = readName(value, 'label');
  if (CONTROL.test(label))
    throw new TypeError(`${OWNER}: label must not contain control characters or line breaks`);
  return label;
}

/** The tenant a rotate or revoke is held to, or undefined for `anyTenant: true`. */
function readReach(reach: unknown, method: string): string | undefined {
  const { tenant, anyTenant } = (typeof reach === 'object' && reach !== null ? reach : {}) as {
    tenant?: unknown;
    anyTenant?: unknown;
  };
  if (anyTenant === true && tenant === undefined) return undefined;
  if (anyTenant === undefined && typeof tenant === 'string' && tenant !== '') return tenant;
  throw new TypeError(
    `${OWNER}: ${method} needs { tenant } or { anyTenant: true }, one of them, so whose tokens it may reach is said every time`,
  );
}

function toDate(milliseconds: number, name: string): Date {
  const date = new Date(milliseconds);
  if (Number.isNaN(date.getTime()))
    throw new TypeError(`${OWNER}: ${name} gives no valid Date (the range ends at ±8.64e15 ms)`);
  return date;
}

function readExpiry(value: unknown, at: Date): Date | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    throw new TypeError(`${OWNER}: expiresAt must be a valid Date`);
  if (value.getTime() <= at.getTime())
    throw new TypeError(`${OWNER}: expiresAt must be in the future`);
  return new Date(value);
}
