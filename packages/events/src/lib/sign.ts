// Signs SET claims as a JWS in compact form (RFC 8417 §2.3 over RFC 7515 §7.1), with jose's
// `CompactSign` over the claims' JSON bytes (its `SignJWT` would copy the claims object first, with
// `structuredClone`, on every SET). The queue keeps each SET's claims as JSON text, fixed when it
// was published, and the deliverer and the poll endpoint sign that text when they hand the SET out:
// a request pays for no signature, and a SET always carries the signature of the tenant's current
// key, which its JWKS publishes.
import { SECEVENT_JWT_MEDIA_TYPE } from '@scim/core';
import { CompactSign } from 'jose';
import type { SetClaims } from './claims.js';
import { checkAlgorithm, checkKeyStrength, type SigningKey, type SigningKeySet } from './keys.js';
import { resolvePerTenant, type PerTenant } from './per-tenant.js';

/**
 * The JOSE `typ` of a SET: its media type without the `application/` prefix (RFC 8417 §2.3, as
 * RFC 7515 §4.1.9 recommends).
 */
export const SET_TYP = SECEVENT_JWT_MEDIA_TYPE.slice('application/'.length);

/**
 * Signs the claims of a SET with a signing key: a compact JWS whose header carries `alg`, the key's
 * `kid` and `typ: "secevent+jwt"` (RFC 8417 §2.3). An RS256 key under 2048 bits is refused.
 * @example
 * ```ts
 * const keys = createSigningKeySet({ active: await generateSigningKey() });
 * const token = await signSet(claims, keys.active);
 * await fetch(receiverUrl, { method: 'POST', headers: { 'content-type': SECEVENT_JWT_MEDIA_TYPE }, body: token });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8417#section-2.3
 */
export function signSet(claims: SetClaims, key: SigningKey): Promise<string> {
  return signSetJson(JSON.stringify(claims), key);
}

const encoder = new TextEncoder();

/**
 * Signs claims given as JSON text, as they were queued: the JWS payload is that text byte for byte.
 * The key is checked here first, so that a wrong key is refused with this package's words.
 */
export async function signSetJson(claimsJson: string, key: SigningKey): Promise<string> {
  checkAlgorithm(key.alg);
  checkKeyStrength(key.alg, key.privateKey);
  checkKeyType(key);
  return new CompactSign(encoder.encode(claimsJson))
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: SET_TYP })
    .sign(key.privateKey);
}

/**
 * Refuses a private key of another kind than its `alg` names (a key made by hand): signing an RSA
 * key's bytes under another hash, or a curve other than P-256, would yield a SET nobody verifies.
 */
function checkKeyType(key: SigningKey): void {
  const algorithm = key.privateKey.algorithm as Partial<EcKeyAlgorithm & RsaHashedKeyAlgorithm>;
  const fits =
    key.alg === 'ES256'
      ? algorithm.name === 'ECDSA' && algorithm.namedCurve === 'P-256'
      : algorithm.name === 'RSASSA-PKCS1-v1_5' && algorithm.hash?.name === 'SHA-256';
  if (!fits)
    throw new TypeError(`Key "${key.kid}" is not an ${key.alg} private key (${algorithm.name})`);
}

/**
 * What queued push or poll SETs are sent as: their claims (JSON text) signed with the tenant's
 * active key, looked up at each call (once for all the payloads of the call), so a rotation takes
 * effect at once. A payload that is no JSON object is a SET signed before it was queued, as earlier
 * versions queued them, and is sent as it is.
 */
export type QueuedSetSigner = (
  payloads: readonly string[],
  tenant: string | undefined,
) => Promise<string[]>;

/** The signer of the deliverer and the poll endpoint; without keys it refuses to sign. */
export function createQueuedSetSigner(keys: PerTenant<SigningKeySet> | undefined): QueuedSetSigner {
  return async (payloads, tenant) => {
    if (!payloads.some(isClaims)) return [...payloads];
    if (keys === undefined)
      throw new TypeError(
        'Push and poll SETs are signed as they are handed out: `keys` is required',
      );
    const { active } = await resolvePerTenant(keys, tenant);
    // Side by side: Web Crypto, under jose, signs on the thread pool.
    return Promise.all(
      payloads.map((payload) =>
        isClaims(payload) ? signSetJson(payload, active) : Promise.resolve(payload),
      ),
    );
  };
}

function isClaims(payload: string): boolean {
  return payload.startsWith('{');
}
