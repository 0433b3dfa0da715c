// Where `verifySet` finds the issuer's keys: a JWKS object, a key set of this process, or a remote
// JWKS fetched and cached by jose. Each becomes a jose key resolver, made once and reused, so keys
// are imported once and a remote set is fetched only when its cache or a new `kid` calls for it.
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type FlattenedJWSInput,
  type JSONWebKeySet as JoseKeySet,
  type JWSHeaderParameters,
} from 'jose';
import { checkNumberOption } from './replay.js';
import type { SetVerifyOptions } from './verify.js';

/**
 * A transmitter's JWKS fetched from its `jwks_uri` and cached: a SET whose `kid` is not in the cached
 * set makes it fetch again (at most once per cooldown), so a receiver follows key rotation by itself.
 * A SET whose key is not in the set while the cooldown holds back a fetch is `unknown_key` without an
 * error code: a temporary failure the transmitter retries, since a transmitter publishes a rotated
 * key as it starts signing with it. A key missing from a set just fetched is refused (`invalid_key`). Make one per issuer, once, and reuse it. Create it with
 * {@link createRemoteJwks}.
 * @example `const keys = createRemoteJwks('https://scim.example.com/.well-known/jwks.json');`
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
export interface RemoteJwks {
  readonly url: string;
}

/** Finds the key a SET's header names: jose's local and remote JWKS both are one. */
export type KeyResolver = (
  header: JWSHeaderParameters,
  token: FlattenedJWSInput,
) => Promise<CryptoKey>;

/** The resolvers behind remote JWKS handles, by identity. */
const remoteResolvers = new WeakMap<RemoteJwks, KeyResolver>();
/**
 * The resolvers made for local JWKS objects, with the JSON of the keys they were made from: jose's
 * local set copies the keys when made, so a caller's JWKS changed in place (a key removed) is seen
 * by comparing that JSON on each call, and a changed set gets a new resolver.
 */
const localResolvers = new WeakMap<
  object,
  { readonly json: string; readonly resolve: KeyResolver }
>();

/** The longest delay a Node timer takes (2^31 − 1 ms); jose's timeouts are timers. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Fetches and caches a transmitter's JWKS (with jose's `createRemoteJWKSet`).
 * @example
 * ```ts
 * const keys = createRemoteJwks(new URL('https://scim.example.com/.well-known/jwks.json'), { cacheMaxAgeMs: 600_000 });
 * const result = await verifySet(token, {
 *   keys,
 *   issuer: 'https://scim.example.com',
 *   audience: 'https://receiver.example.com',
 *   replayCache,
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
export function createRemoteJwks(
  url: string | URL,
  options: {
    /** How long a fetch may take, in ms (default 5,000). */
    readonly timeoutMs?: number;
    /** The least time between two fetches, in ms (default 30,000). */
    readonly cooldownMs?: number;
    /** How long a fetched set is used before it is fetched again, in ms (default 600,000). */
    readonly cacheMaxAgeMs?: number;
  } = {},
): RemoteJwks {
  const location = new URL(url);
  const ms = (name: string, value: number | undefined, fallback: number, min = 0) =>
    checkNumberOption('createRemoteJwks', name, value, fallback, {
      min,
      max: MAX_TIMER_MS,
      integer: true,
    });
  const handle: RemoteJwks = Object.freeze({ url: location.href });
  remoteResolvers.set(
    handle,
    createRemoteJWKSet(location, {
      timeoutDuration: ms('timeoutMs', options.timeoutMs, 5_000, 1),
      cooldownDuration: ms('cooldownMs', options.cooldownMs, 30_000),
      cacheMaxAge: ms('cacheMaxAgeMs', options.cacheMaxAgeMs, 600_000),
    }),
  );
  return handle;
}

/** The resolver of the keys a caller passed; throws when they are none of the accepted kinds. */
export function resolverOf(keys: SetVerifyOptions['keys']): KeyResolver {
  const remote = remoteResolvers.get(keys as RemoteJwks);
  if (remote !== undefined) return remote;
  const jwks = 'jwks' in keys && typeof keys.jwks === 'function' ? keys.jwks() : keys;
  if (!('keys' in jwks) || !Array.isArray(jwks.keys))
    throw new TypeError('verifySet: keys must be a JWKS, a signing key set or a remote JWKS');
  // Keyed by the keys' content as well as the object: a key removed from the caller's JWKS in place
  // stops verifying at once, and an unchanged set keeps the keys jose already imported.
  const json = JSON.stringify(jwks.keys);
  const cached = localResolvers.get(jwks);
  if (cached !== undefined && cached.json === json) return cached.resolve;
  const resolve = createLocalJWKSet(jwks as unknown as JoseKeySet);
  localResolvers.set(jwks, { json, resolve });
  return resolve;
}
