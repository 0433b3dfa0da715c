// Reading `Authorization: Bearer <token>` and hashing the token: shared by `bearerTokens` (a fixed
// list of digests) and `tokenAuthenticator` (a token store), so both answer a bad header alike.
import { ScimError } from '@scim/core';

export const DIGEST_PREFIX = 'sha256:';
export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/i;
// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
export const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
// RFC 7235 §2.1: credentials = auth-scheme [ 1*SP token68 ], the scheme case-insensitive. A tab
// or several spaces after the scheme have no other meaning, so they are accepted too.
const SCHEME_END = /[ \t]/;

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/**
 * Node's synchronous hashes, where the runtime lends `node:crypto` (Node ≥ 20.16, Bun, Deno's node:
 * layer): `createHash`, and the one-shot `hash` where there is one (Node ≥ 20.12), which makes no
 * Hash object and costs about a quarter of what `createHash` does for a token.
 */
type NodeCrypto = {
  createHash(algorithm: 'sha256'): {
    update(data: string): { digest(): Uint8Array; digest(encoding: 'hex'): string };
  };
  hash?: {
    (algorithm: 'sha256', data: string, encoding: 'hex'): string;
    (algorithm: 'sha256', data: string, encoding: 'buffer'): Uint8Array;
  };
};
const nodeCrypto = (
  globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }
).process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
const oneShot = typeof nodeCrypto?.hash === 'function' ? nodeCrypto.hash : undefined;

/**
 * The token's SHA-256. Every request pays it, so the runtime's synchronous hash is used where there
 * is one: Web Crypto's digest is asynchronous and, on Node, a round trip through the thread pool
 * that costs more than the rest of a small request.
 */
export async function sha256(token: string): Promise<Uint8Array> {
  if (oneShot !== undefined) {
    // Checked, since `bearerTokens` compares these bytes one by one: a runtime whose `hash` knew no
    // 'buffer' encoding would hand back a string, whose characters compare as zeros.
    const bytes: unknown = oneShot('sha256', token, 'buffer');
    if (bytes instanceof Uint8Array && bytes.length === 32) return bytes;
  }
  if (nodeCrypto !== undefined)
    return new Uint8Array(nodeCrypto.createHash('sha256').update(token).digest());
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
}

/**
 * {@link digestOf} at once, where the runtime hashes synchronously; undefined where only Web Crypto
 * can, so the caller awaits {@link digestOf} instead. A request that presents a token pays this,
 * and an await it need not take is one more turn of the microtask queue.
 */
export function digestNow(token: string): string | undefined {
  if (oneShot !== undefined) return DIGEST_PREFIX + oneShot('sha256', token, 'hex');
  if (nodeCrypto !== undefined)
    return DIGEST_PREFIX + nodeCrypto.createHash('sha256').update(token).digest('hex');
  return undefined;
}

/** `sha256:` and 64 lowercase hex digits: how digests are configured and stored. */
export async function digestOf(token: string): Promise<string> {
  return digestNow(token) ?? `${DIGEST_PREFIX}${toHex(await sha256(token))}`;
}

/** A `realm` for the challenge: a quoted-string without quotes, backslashes or control characters. */
export function readRealm(realm: unknown, owner: string): string | undefined {
  if (realm === undefined) return undefined;
  if (typeof realm !== 'string' || !/^[\x20-\x7e]*$/.test(realm) || /["\\]/.test(realm))
    throw new TypeError(`${owner}: realm must be printable ASCII without " or \\`);
  return realm;
}

/** The `WWW-Authenticate` value for an `error` code (RFC 6750 §3), or for none. */
export type Challenge = (error?: string) => string;

export function bearerChallenge(realm: string | undefined): Challenge {
  const scheme = realm === undefined ? 'Bearer' : `Bearer realm="${realm}"`;
  // RFC 6750 §3.1: no error code when the request carried no bearer credentials at all.
  return (error) =>
    error === undefined ? scheme : `${scheme}${realm === undefined ? ' ' : ', '}error="${error}"`;
}

/** The token of `Authorization: Bearer <token>`, or 401 with the challenge RFC 6750 §3 asks for. */
export function readBearerToken(request: Request, challenge: Challenge): string {
  const header = request.headers.get('authorization');
  if (header === null || header === '')
    throw ScimError.unauthorized(
      'A bearer token is required: send Authorization: Bearer <token>',
      challenge(),
    );
  const end = header.search(SCHEME_END);
  if ((end === -1 ? header : header.slice(0, end)).toLowerCase() !== 'bearer')
    throw ScimError.unauthorized(
      'The Authorization header must use the Bearer scheme: Authorization: Bearer <token>',
      challenge(),
    );
  const token = end === -1 ? '' : header.slice(end).replace(/^[ \t]+/, '');
  if (!TOKEN68.test(token))
    throw ScimError.unauthorized(
      'The bearer token is malformed: expected one token68 value after "Bearer " (RFC 6750 §2.1)',
      challenge('invalid_token'),
    );
  return token;
}
