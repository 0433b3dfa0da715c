// Signs SET claims as a JWS in compact form (RFC 8417 §2.3 over RFC 7515), with jose.
import { SECEVENT_JWT_MEDIA_TYPE } from '@scim/core';
import { SignJWT, type JWTPayload } from 'jose';
import type { SetClaims } from './claims.js';
import { checkAlgorithm, checkKeyStrength, type SigningKey } from './keys.js';

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
export async function signSet(claims: SetClaims, key: SigningKey): Promise<string> {
  checkAlgorithm(key.alg);
  checkKeyStrength(key.alg, key.privateKey);
  return new SignJWT(claims as unknown as JWTPayload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: SET_TYP })
    .sign(key.privateKey);
}
