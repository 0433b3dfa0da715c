// Signing keys for SETs and the key set a transmitter publishes as its JWKS (RFC 7517 §5). Keys
// rotate by `kid`: a new key can be published before it signs, and an old one stays published after
// it stops signing, so a receiver that cached the JWKS, or holds SETs signed earlier, still verifies.
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

/**
 * The JWS algorithms a SET may be signed with: ES256 (the default), or RS256 with keys of 2048 bits or
 * more, for receivers that require the CAEP interoperability profile.
 * @example `await generateSigningKey({ alg: 'RS256' })`
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.1
 */
export type SetSigningAlgorithm = 'ES256' | 'RS256';

/**
 * A JSON Web Key (RFC 7517 §4): `kty` and the members its type defines.
 * @example `{ kty: 'EC', crv: 'P-256', x: '…', y: '…', kid: 'k1', alg: 'ES256', use: 'sig' }`
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4
 */
export interface Jwk {
  readonly kty: string;
  readonly kid?: string;
  readonly alg?: string;
  readonly use?: string;
  readonly [member: string]: unknown;
}

/**
 * A JWK Set (RFC 7517 §5), as a transmitter publishes it at its `jwks_uri`.
 * @example `{ keys: [{ kty: 'EC', crv: 'P-256', x: '…', y: '…', kid: 'k1', alg: 'ES256', use: 'sig' }] }`
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
export interface JsonWebKeySet {
  readonly keys: readonly Jwk[];
}

/**
 * A private key that signs SETs, with its `kid`, its algorithm, and the public JWK receivers verify
 * with. Make one with {@link generateSigningKey} or {@link importSigningKey}.
 * @example `const key = await generateSigningKey(); key.publicJwk // { kty: 'EC', …, kid: key.kid }`
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4.5
 */
export interface SigningKey {
  readonly kid: string;
  readonly alg: SetSigningAlgorithm;
  readonly privateKey: CryptoKey;
  /** The public part only, with `kid`, `alg` and `use: "sig"`. */
  readonly publicJwk: Jwk;
}

/**
 * How {@link generateSigningKey} makes a key.
 * @example `{ alg: 'RS256', modulusLength: 3072 }`
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.1
 */
export interface GenerateSigningKeyOptions {
  /** Default ES256. */
  readonly alg?: SetSigningAlgorithm | undefined;
  /** Default the key's JWK thumbprint (RFC 7638). */
  readonly kid?: string | undefined;
  /** RS256 only: the modulus length in bits, at least 2048 (default 2048). */
  readonly modulusLength?: number | undefined;
}

/** RS256 keys shorter than this are refused (RFC 7518 §3.3 requires 2048 bits or more). */
const MIN_RSA_BITS = 2048;

/** The members of a private JWK that are not public (RFC 7518 §6.2.2, §6.3.2). */
const PRIVATE_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']);

/**
 * Generates a signing key: ES256 (P-256) by default, or RS256 of at least 2048 bits. The private key
 * is extractable, so {@link exportSigningKey} can store it for the next start.
 * @example `const key = await generateSigningKey(); // ES256, kid = its RFC 7638 thumbprint`
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.4
 */
export async function generateSigningKey(
  options: GenerateSigningKeyOptions = {},
): Promise<SigningKey> {
  const alg = options.alg ?? 'ES256';
  checkAlgorithm(alg);
  const modulusLength = options.modulusLength ?? MIN_RSA_BITS;
  if (alg === 'RS256') checkModulus(modulusLength);
  const pair = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'RS256' && { modulusLength }),
  });
  const publicJwk = await exportJWK(pair.publicKey);
  return signingKey(alg, pair.privateKey, publicJwk as Jwk, options.kid);
}

/**
 * Imports a private JWK (one that {@link exportSigningKey} wrote, or any EC P-256 or RSA private JWK)
 * as a signing key. Its algorithm is `options.alg`, else the JWK's `alg`, else ES256 for an EC key and
 * RS256 for an RSA key; an RSA key under 2048 bits is refused.
 * @example `const key = await importSigningKey(JSON.parse(process.env.SET_SIGNING_JWK!));`
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4
 */
export async function importSigningKey(
  jwk: Jwk,
  options: { readonly alg?: SetSigningAlgorithm; readonly kid?: string } = {},
): Promise<SigningKey> {
  if (typeof jwk.d !== 'string')
    throw new TypeError('A signing key must be a private JWK (it has no "d" member)');
  const alg = options.alg ?? jwk.alg ?? (jwk.kty === 'RSA' ? 'RS256' : 'ES256');
  checkAlgorithm(alg);
  const expected = alg === 'ES256' ? 'EC' : 'RSA';
  if (jwk.kty !== expected)
    throw new TypeError(`An ${alg} signing key must be a ${expected} key, not kty "${jwk.kty}"`);
  if (alg === 'ES256' && jwk.crv !== 'P-256')
    throw new TypeError(`An ES256 signing key must be on curve P-256, not "${String(jwk.crv)}"`);
  const privateKey = await importJWK(jwk as JWK, alg, { extractable: true });
  if (!isCryptoKey(privateKey)) throw new TypeError('A signing key must be an asymmetric key');
  checkKeyStrength(alg, privateKey);
  return signingKey(alg, privateKey, publicPart(jwk), options.kid ?? jwk.kid);
}

/**
 * The private JWK of a signing key, with `kid` and `alg`, to keep in a secret store and give to
 * {@link importSigningKey} on the next start. It holds the private key: never publish it.
 * @example `await secrets.put('set-signing-key', JSON.stringify(await exportSigningKey(key)));`
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4
 */
export async function exportSigningKey(key: SigningKey): Promise<Jwk> {
  const jwk = await exportJWK(key.privateKey);
  return { ...(jwk as Jwk), kid: key.kid, alg: key.alg };
}

/**
 * The keys a transmitter signs with and publishes: one active key signs, and every key in the set is
 * published by {@link SigningKeySet.jwks}. Rotation by `kid`: `add` a new key (published, not yet
 * signing), `activate` it once receivers have had time to refresh their cached JWKS, and `remove` the
 * old one when no SET it signed can still arrive. `rotate()` does the first two at once.
 * @example
 * ```ts
 * const keys = createSigningKeySet({ active: await generateSigningKey() });
 * const next = await keys.rotate(); // signs from now on; the old key stays published
 * keys.remove(oldKid);              // later: SETs signed with it no longer verify
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
export interface SigningKeySet {
  /** The key that signs new SETs. */
  readonly active: SigningKey;
  /** Every published key, the active one first. */
  readonly keys: readonly SigningKey[];
  get(kid: string): SigningKey | undefined;
  /** Publishes a key without signing with it; a `kid` already in the set is refused. */
  add(key: SigningKey): void;
  /** Makes a published key the one that signs; the previously active key stays published. */
  activate(kid: string): void;
  /** Stops publishing a key; false when there was none of that `kid`. The active key cannot be removed. */
  remove(kid: string): boolean;
  /** Generates a key, publishes it and makes it active; the previous key stays published. */
  rotate(options?: GenerateSigningKeyOptions): Promise<SigningKey>;
  /** The public JWK Set to serve at the `jwks_uri`: public members only. A new object after each change. */
  jwks(): JsonWebKeySet;
}

/**
 * Makes a key set from its active key and any other keys still to publish (the previous ones).
 * @example `const keys = createSigningKeySet({ active: current, published: [previous] });`
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
export function createSigningKeySet(initial: {
  readonly active: SigningKey;
  readonly published?: readonly SigningKey[];
}): SigningKeySet {
  const keys = new Map<string, SigningKey>();
  let active = initial.active;
  let published: JsonWebKeySet | undefined;
  const add = (key: SigningKey): void => {
    if (keys.has(key.kid)) throw new TypeError(`A key with kid "${key.kid}" is already in the set`);
    keys.set(key.kid, key);
    published = undefined;
  };
  add(initial.active);
  for (const key of initial.published ?? []) add(key);
  const ordered = (): SigningKey[] => [active, ...[...keys.values()].filter((k) => k !== active)];
  const set: SigningKeySet = {
    get active() {
      return active;
    },
    get keys() {
      return ordered();
    },
    get: (kid) => keys.get(kid),
    add,
    activate(kid) {
      const key = keys.get(kid);
      if (key === undefined) throw new TypeError(`No key with kid "${kid}" is in the set`);
      active = key;
      published = undefined;
    },
    remove(kid) {
      if (kid === active.kid)
        throw new TypeError(`Key "${kid}" is the active key; activate another one first`);
      published = undefined;
      return keys.delete(kid);
    },
    async rotate(options) {
      const key = await generateSigningKey(options ?? { alg: active.alg });
      add(key);
      active = key;
      return key;
    },
    jwks() {
      published ??= Object.freeze({
        keys: Object.freeze(ordered().map((key) => Object.freeze({ ...key.publicJwk }))),
      });
      return published;
    },
  };
  return set;
}

/**
 * Refuses a key too weak to sign a SET: RSA under 2048 bits (RFC 7518 §3.3). Also called by
 * `signSet`, for keys made by hand.
 */
export function checkKeyStrength(alg: SetSigningAlgorithm, key: CryptoKey): void {
  if (alg !== 'RS256') return;
  const { modulusLength } = key.algorithm as RsaHashedKeyAlgorithm;
  checkModulus(modulusLength);
}

/** Refuses an algorithm other than ES256 and RS256. */
export function checkAlgorithm(alg: string): asserts alg is SetSigningAlgorithm {
  if (alg !== 'ES256' && alg !== 'RS256')
    throw new TypeError(`SETs are signed with ES256 or RS256, not "${alg}"`);
}

function checkModulus(bits: number): void {
  if (!Number.isInteger(bits) || bits < MIN_RSA_BITS)
    throw new RangeError(
      `RS256 keys must have at least ${MIN_RSA_BITS} bits (RFC 7518 §3.3); this one has ${bits}`,
    );
}

async function signingKey(
  alg: SetSigningAlgorithm,
  privateKey: CryptoKey,
  publicJwk: Jwk,
  kid: string | undefined,
): Promise<SigningKey> {
  const id = kid ?? (await calculateJwkThumbprint(publicJwk));
  return {
    kid: id,
    alg,
    privateKey,
    publicJwk: { ...publicJwk, kid: id, alg, use: 'sig' },
  };
}

/** A JWK without its private members, nor members about their use that the publisher sets itself. */
function publicPart(jwk: Jwk): Jwk {
  const out: Record<string, unknown> = {};
  for (const [member, value] of Object.entries(jwk))
    if (!PRIVATE_MEMBERS.has(member) && member !== 'key_ops' && member !== 'ext')
      out[member] = value;
  return out as unknown as Jwk;
}

function isCryptoKey(key: unknown): key is CryptoKey {
  return typeof key === 'object' && key !== null && !(key instanceof Uint8Array);
}
