// Where `jwtAuthenticator` finds the key that verifies a token, and which algorithms it accepts: an
// issuer's JWKS fetched from its jwks_uri and cached by jose, a key set or a key function of this
// process, or (only when one is given by name) a shared HMAC secret. A public key source never
// verifies an HMAC: `HS256` with a public key as its secret is the classic algorithm-confusion
// forgery (RFC 8725 §2.1), and `none` is never accepted at all.
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  importJWK,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWK,
  type JWSHeaderParameters,
} from 'jose';
import type { JwtAuthenticatorOptions } from './jwt-authenticator.js';

const OWNER = 'jwtAuthenticator';

/**
 * A JWS algorithm `jwtAuthenticator` can accept: an asymmetric one for a key set, or `HS256`,
 * `HS384`, `HS512` with a shared `secret`. `none` is not one.
 * @example `jwtAuthenticator({ jwksUri, issuer, audience, algorithms: ['RS256'] })`
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.1
 */
export type JwtAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'Ed25519'
  | 'HS256'
  | 'HS384'
  | 'HS512';

/** Signature algorithms over public keys (RFC 7518 §3, RFC 8037 §3.1, RFC 9864 §2.2). */
const ASYMMETRIC: readonly JwtAlgorithm[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];
/** HMAC algorithms and the least secret length each needs, in bytes (RFC 7518 §3.2). */
const HMAC: Readonly<Partial<Record<JwtAlgorithm, number>>> = { HS256: 32, HS384: 48, HS512: 64 };

/** What `jwtAuthenticator` accepts unless told otherwise: the asymmetric algorithms IdPs sign with. */
const DEFAULT_ALGORITHMS: readonly JwtAlgorithm[] = ['RS256', 'ES256', 'PS256', 'EdDSA'];

/**
 * One public key of a JSON Web Key Set, as an issuer publishes it at its `jwks_uri`.
 * @example `{ kty: 'RSA', kid: 'k1', alg: 'RS256', use: 'sig', n: '0vx7…', e: 'AQAB' }`
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4
 */
export interface JwtPublicKey {
  /**
   * Required (RFC 7517 §4.1), and checked when the authenticator is made; optional in the type so
   * that jose's `exportJWK` output fits as it is.
   */
  readonly kty?: string;
  readonly kid?: string;
  readonly alg?: string;
  readonly use?: string;
  /** The key type's own members (`n` and `e`, `crv`, `x` and `y`, …). */
  readonly [member: string]: unknown;
}

/**
 * A JSON Web Key Set: the public keys that may have signed a token.
 * @example `{ keys: [{ kty: 'EC', kid: 'k1', crv: 'P-256', x: 'f83O…', y: 'x_FE…' }] }`
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
export interface JwtKeySet {
  readonly keys: readonly JwtPublicKey[];
}

/**
 * The protected header of a token, as `getKey` is told it: which key and algorithm it names.
 * @example `{ alg: 'RS256', kid: 'nOo3ZDrODXEK1jKWhXslHR_KXEg', typ: 'JWT' }`
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-4.1
 */
export interface JwtHeader {
  readonly alg: string;
  readonly kid?: string;
  readonly typ?: string;
}

/** Finds a token's verification key, as jose's `jwtVerify` calls it. */
type KeyResolver = (
  header: JWSHeaderParameters,
  token: FlattenedJWSInput,
) => Promise<CryptoKey | Uint8Array>;

/** The key material and the algorithms a configured authenticator verifies with. */
export interface VerificationKeys {
  readonly key: KeyResolver | Uint8Array;
  readonly algorithms: readonly JwtAlgorithm[];
}

/**
 * The keys could not be obtained: the JWKS fetch failed, timed out or answered something that is
 * no key set, or `getKey` threw. The request is refused all the same; the cause is for the operator.
 */
export class KeysUnavailable extends Error {
  constructor(cause: unknown) {
    super('The signing keys could not be obtained', { cause });
  }
}

/** A key that `getKey` gave but no token may be verified with: an `invalid_key` refusal. */
class UnusableKey extends TypeError {}

/** The longest delay a Node timer takes (2^31 − 1 ms); jose's JWKS timeout is one. */
const MAX_TIMER_MS = 2_147_483_647;
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;
// Errors that mean "no key for this token" rather than "no keys at all".
const NO_KEY = new Set(['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS']);

/** The key source and algorithms of the options, checked once, when the authenticator is made. */
export function readVerificationKeys(options: JwtAuthenticatorOptions): VerificationKeys {
  const given = (['jwksUri', 'jwks', 'getKey', 'secret'] as const).filter(
    (name) => options[name] !== undefined,
  );
  if (given.length !== 1)
    throw new TypeError(
      `${OWNER}: give exactly one of jwksUri, jwks, getKey and secret (got ${given.length === 0 ? 'none' : given.join(', ')})`,
    );
  const secret = options.secret;
  const algorithms = readAlgorithms(options.algorithms, secret !== undefined);
  if (secret !== undefined) return { key: readSecret(secret, algorithms), algorithms };
  if (options.jwksUri !== undefined) return { key: remoteKeys(options), algorithms };
  if (options.jwks !== undefined) return { key: guarded(localKeys(options.jwks)), algorithms };
  return { key: guarded(keyFunction(options.getKey)), algorithms };
}

function readAlgorithms(value: unknown, hasSecret: boolean): readonly JwtAlgorithm[] {
  if (value === undefined) return hasSecret ? ['HS256'] : DEFAULT_ALGORITHMS;
  if (!Array.isArray(value) || value.length === 0)
    throw new TypeError(`${OWNER}: algorithms must be a non-empty array`);
  for (const alg of value as unknown[]) {
    if (typeof alg === 'string' && alg.toLowerCase() === 'none')
      throw new TypeError(`${OWNER}: 'none' is never accepted: an unsigned token proves nothing`);
    const symmetric = typeof alg === 'string' && Object.hasOwn(HMAC, alg);
    if (!symmetric && !(ASYMMETRIC as readonly unknown[]).includes(alg))
      throw new TypeError(
        `${OWNER}: unknown algorithm ${JSON.stringify(alg)}; use ${[...ASYMMETRIC, ...Object.keys(HMAC)].join(', ')}`,
      );
    if (symmetric && !hasSecret)
      throw new TypeError(
        `${OWNER}: ${String(alg)} needs a secret; a public key set never verifies an HMAC (RFC 8725 §2.1)`,
      );
    if (!symmetric && hasSecret)
      throw new TypeError(
        `${OWNER}: a secret verifies HS256, HS384 or HS512 only, not ${String(alg)}; give the issuer's public keys for it`,
      );
  }
  return Object.freeze([...new Set(value as JwtAlgorithm[])]);
}

function readSecret(secret: unknown, algorithms: readonly JwtAlgorithm[]): Uint8Array {
  let bytes: Uint8Array;
  if (typeof secret === 'string') bytes = new TextEncoder().encode(secret);
  else if (secret instanceof Uint8Array) bytes = new Uint8Array(secret);
  else throw new TypeError(`${OWNER}: secret must be a string or a Uint8Array`);
  const needed = Math.max(...algorithms.map((alg) => HMAC[alg] ?? 0));
  // The value itself stays out of the message: it is a secret.
  if (bytes.length < needed)
    throw new TypeError(
      `${OWNER}: the secret is ${bytes.length} bytes; ${algorithms.join(', ')} needs at least ${needed} (RFC 7518 §3.2)`,
    );
  return bytes;
}

function remoteKeys(options: JwtAuthenticatorOptions): KeyResolver {
  let url: URL;
  try {
    url = new URL(options.jwksUri as string | URL);
  } catch {
    throw new TypeError(`${OWNER}: jwksUri must be an absolute URL`);
  }
  // Keys fetched over plain HTTP can be swapped on the way, and with them every token's meaning.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.test(url.hostname)))
    throw new TypeError(`${OWNER}: jwksUri must be https (plain http only on a loopback host)`);
  const ms = (name: string, value: unknown, fallback: number, min: number): number => {
    if (value === undefined) return fallback;
    if (
      typeof value !== 'number' ||
      !Number.isInteger(value) ||
      value < min ||
      value > MAX_TIMER_MS
    )
      throw new TypeError(
        `${OWNER}: ${name} must be a whole number of milliseconds from ${min} to ${MAX_TIMER_MS}`,
      );
    return value;
  };
  const remote = createRemoteJWKSet(url, {
    timeoutDuration: ms('jwksTimeoutMs', options.jwksTimeoutMs, 5_000, 1),
    cooldownDuration: ms('jwksCooldownMs', options.jwksCooldownMs, 30_000, 0),
    cacheMaxAge: ms('jwksCacheMaxAgeMs', options.jwksCacheMaxAgeMs, 600_000, 0),
  });
  return guarded(remote);
}

function localKeys(jwks: unknown): KeyResolver {
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray((jwks as JwtKeySet).keys))
    throw new TypeError(`${OWNER}: jwks must be a JSON Web Key Set, { keys: [...] }`);
  (jwks as JwtKeySet).keys.forEach((key, index) => checkPublicKey(key, `jwks.keys[${index}]`));
  try {
    // jose copies the keys here, so a set changed later changes nothing.
    return createLocalJWKSet(jwks as unknown as JSONWebKeySet);
  } catch {
    throw new TypeError(`${OWNER}: jwks is not a valid JSON Web Key Set (RFC 7517 §5)`);
  }
}

function keyFunction(getKey: JwtAuthenticatorOptions['getKey']): KeyResolver {
  if (typeof getKey !== 'function') throw new TypeError(`${OWNER}: getKey must be a function`);
  return async (header) => {
    const { alg, kid, typ } = header;
    const found = await getKey({
      alg: alg as string,
      ...(typeof kid === 'string' ? { kid } : {}),
      ...(typeof typ === 'string' ? { typ } : {}),
    });
    if (found === undefined) throw new errors.JWKSNoMatchingKey();
    if (found instanceof CryptoKey) {
      if (found.type !== 'public') throw new UnusableKey('the key getKey gave is not a public key');
      return found;
    }
    // The rules a `jwks` set's keys follow: public keys only, and (jose's key selection, RFC 8725
    // §3.1) the key's own `alg`, `use` and `key_ops` bind it; the token's header never overrides them.
    try {
      checkPublicKey(found, 'the key getKey gave');
    } catch (error) {
      throw new UnusableKey((error as Error).message);
    }
    if (!matchesToken(found, alg)) throw new errors.JWKSNoMatchingKey();
    return importJWK(found as JWK, alg);
  };
}

/** Whether a JWK may verify a token signed with `alg`, as jose picks keys from a key set. */
function matchesToken(key: JwtPublicKey, alg: string | undefined): boolean {
  if (typeof key.alg === 'string' && key.alg !== alg) return false;
  if (key.use !== undefined && key.use !== 'sig') return false;
  const ops = key['key_ops'];
  return !Array.isArray(ops) || ops.includes('verify');
}

/** A key set holds public keys only: a private key is a leak, and a symmetric one a forgery. */
function checkPublicKey(key: unknown, where: string): void {
  if (typeof key !== 'object' || key === null || typeof (key as JwtPublicKey).kty !== 'string')
    throw new TypeError(`${OWNER}: ${where} is not a JSON Web Key`);
  if ((key as JwtPublicKey).kty === 'oct' || 'd' in key)
    throw new TypeError(`${OWNER}: ${where} is not a public key; publish public keys only`);
}

/**
 * Every failure to produce a key becomes `KeysUnavailable`, except "no key for this token" and a key
 * `getKey` gave that no token may use, so that an unreachable issuer is told apart from a token
 * signed by a stranger and from a key source at fault.
 */
function guarded(resolve: KeyResolver): KeyResolver {
  return async (header, token) => {
    try {
      return await resolve(header, token);
    } catch (error) {
      if (NO_KEY.has((error as { code?: unknown } | undefined)?.code as string)) throw error;
      if (error instanceof UnusableKey) throw error;
      throw new KeysUnavailable(error);
    }
  };
}
