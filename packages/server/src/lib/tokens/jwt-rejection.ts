// Why `jwtAuthenticator` refused a token, as data: one code per rule, a message that is safe to send
// (it names the rule, never a key, a URL or the issuer's answer) and the underlying error for the
// operator. Every refusal is a 401 `invalid_token` (RFC 6750 §3.1): a client can do nothing but get
// a new token, and the server fails closed, whatever went wrong.
import { KeysUnavailable } from './jwt-keys.js';

/**
 * Why a bearer token was refused:
 * - `malformed`: not a JWT (a compact JWS with a JSON object of claims), or a claim of the wrong type;
 * - `algorithm_not_allowed`: signed with an algorithm the options do not accept (`none` included);
 * - `unknown_key`: no key of the issuer's set matches the token's `kid` and `alg`;
 * - `invalid_key`: the matching key cannot verify it (an RSA key under 2048 bits, a wrong key type);
 * - `keys_unavailable`: the issuer's JWKS could not be fetched in time, or `getKey` failed;
 * - `invalid_signature`: the signature does not match;
 * - `invalid_issuer`, `invalid_audience`, `invalid_type`: `iss`, `aud` or the `typ` header is not
 *   an accepted one;
 * - `expired`: `exp` has passed, beyond the clock tolerance;
 * - `not_yet_valid`: `nbf` is still ahead, beyond the clock tolerance;
 * - `missing_claim`: `exp`, `iss` or `aud` is absent;
 * - `missing_tenant`: the tenant claim is absent or not a non-empty string.
 * @example `onRejected: ({ code }) => metrics.increment('scim.jwt.rejected', { code })`
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export type JwtRejectionCode =
  | 'malformed'
  | 'algorithm_not_allowed'
  | 'unknown_key'
  | 'invalid_key'
  | 'keys_unavailable'
  | 'invalid_signature'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'invalid_type'
  | 'expired'
  | 'not_yet_valid'
  | 'missing_claim'
  | 'missing_tenant';

/**
 * One refused token, as `onRejected` is told it: the rule, the detail the client was sent, and the
 * error behind it where there is one (a JWKS fetch that timed out, a key jose refused).
 * @example `{ code: 'keys_unavailable', message: 'The signing keys could not be obtained; try again later', cause: new Error('fetch failed') }`
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export interface JwtRejection {
  readonly code: JwtRejectionCode;
  readonly message: string;
  readonly cause?: unknown;
}

const MESSAGES: Readonly<Record<JwtRejectionCode, string>> = {
  malformed: 'The bearer token is not a valid JWT access token',
  algorithm_not_allowed:
    'The access token is signed with an algorithm this endpoint does not accept',
  unknown_key: 'The access token is signed with a key this endpoint does not know',
  invalid_key: 'The access token cannot be verified with the key it names',
  keys_unavailable: 'The signing keys could not be obtained; try again later',
  invalid_signature: 'The access token signature is not valid',
  invalid_issuer: 'The access token comes from an issuer this endpoint does not accept',
  invalid_audience: 'The access token is not meant for this endpoint (aud)',
  invalid_type: 'The token is not an access token of the type this endpoint accepts (typ)',
  expired: 'The access token has expired',
  not_yet_valid: 'The access token is not valid yet (nbf)',
  missing_claim: 'The access token lacks a required claim',
  missing_tenant: 'The access token names no tenant',
};

/** A rejection with its standard message; `claim` names the missing claim where there is one. */
export function rejection(code: JwtRejectionCode, cause?: unknown, claim?: string): JwtRejection {
  const message =
    claim === undefined ? MESSAGES[code] : `The access token lacks the required claim '${claim}'`;
  return Object.freeze({ code, message, ...(cause === undefined ? {} : { cause }) });
}

interface JoseFailure {
  readonly code?: unknown;
  readonly claim?: unknown;
  readonly reason?: unknown;
}

/** What an error thrown while verifying a token means, by jose's error codes. */
export function rejectionOf(error: unknown): JwtRejection {
  if (error instanceof KeysUnavailable) return rejection('keys_unavailable', error.cause);
  const { code, claim, reason } = (
    typeof error === 'object' && error !== null ? error : {}
  ) as JoseFailure;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return rejection('expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (reason === 'missing') return rejection('missing_claim', undefined, String(claim));
      if (reason === 'invalid') return rejection('malformed');
      if (claim === 'iss') return rejection('invalid_issuer');
      if (claim === 'aud') return rejection('invalid_audience');
      if (claim === 'nbf') return rejection('not_yet_valid');
      if (claim === 'typ') return rejection('invalid_type');
      return rejection('malformed');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return rejection('algorithm_not_allowed');
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return rejection('unknown_key');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return rejection('invalid_signature');
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return rejection('malformed');
    default:
      // What remains comes from the key itself (jose's TypeErrors for a short RSA modulus or a key
      // of another type): the issuer's set is at fault, not the client's token.
      return rejection('invalid_key', error);
  }
}
