// `authenticate` for OAuth 2.0 access tokens that are JWTs (RFC 9068), such as a client credentials
// grant gives: the signature is checked with jose against the issuer's keys, then `iss`, `aud`,
// `exp` and `nbf`; the tenant and the scopes come from claims. It fails closed: whatever goes wrong,
// from a bad signature to an issuer whose JWKS does not answer, the request is a 401 `invalid_token`
// whose detail names the rule and nothing the server holds.
import { ScimError } from '@scim/core';
import { decodeProtectedHeader, errors, jwtVerify, type JWTVerifyOptions } from 'jose';
import type { Authentication } from '../options.js';
import { bearerChallenge, readBearerToken, readRealm } from './bearer-header.js';
import { readScopeOptions, readTenantClaim, type JwtClaims } from './jwt-claims.js';
import {
  readVerificationKeys,
  type JwtAlgorithm,
  type JwtHeader,
  type JwtKeySet,
  type JwtPublicKey,
} from './jwt-keys.js';
import { rejection, rejectionOf, type JwtRejection } from './jwt-rejection.js';
import type { ScimScope } from './scopes.js';

const OWNER = 'jwtAuthenticator';

/**
 * Who a JWT stands for: its issuer, subject and OAuth client, and every claim it carries.
 * @example `{ issuer: 'https://login.microsoftonline.com/72f9…/v2.0', subject: '9f3c…', clientId: '1e2d…', claims: { … } }`
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
export interface JwtPrincipal {
  readonly issuer: string;
  /** `sub`: for a client credentials token, the client's own id (Entra ID: its service principal). */
  readonly subject: string | undefined;
  /** `client_id` (RFC 9068 §2.2), else Entra ID's `azp` (v2 tokens) or `appid` (v1 tokens). */
  readonly clientId: string | undefined;
  readonly claims: JwtClaims;
}

/**
 * What `jwtAuthenticator` answers for a valid token: its tenant, its SCIM scopes and who it is.
 * @example `{ principal: { issuer, subject, clientId, claims }, tenant: '72f9…', scopes: ['scim:read'] }`
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export interface JwtAuthentication extends Authentication {
  readonly principal: JwtPrincipal;
  readonly tenant: string;
}

/**
 * How `jwtAuthenticator` verifies tokens and reads their tenant and scopes. Give exactly one key
 * source: `jwksUri`, `jwks`, `getKey` or `secret`.
 * @example
 * ```ts
 * const options: JwtAuthenticatorOptions = {
 *   jwksUri: 'https://login.microsoftonline.com/common/discovery/v2.0/keys',
 *   issuer: (iss, claims) => iss === `https://login.microsoftonline.com/${String(claims.tid)}/v2.0`,
 *   audience: '1e2d3c4b-0000-4000-8000-00000000abcd',
 *   scopeMap: { 'SCIM.Read': 'scim:read', 'SCIM.ReadWrite': ['scim:read', 'scim:write'] },
 * };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export interface JwtAuthenticatorOptions<Other extends Authentication = Authentication> {
  /** The issuer's JWKS (`jwks_uri`), fetched when first needed and cached; https, or http on loopback. */
  readonly jwksUri?: string | URL;
  /** The issuer's public keys, held in this process: for tests, or a server without network. */
  readonly jwks?: JwtKeySet;
  /** Finds the public key for a token's header; undefined when there is none. */
  readonly getKey?: (
    header: JwtHeader,
  ) => CryptoKey | JwtPublicKey | undefined | Promise<CryptoKey | JwtPublicKey | undefined>;
  /**
   * A shared secret for HMAC-signed tokens (HS256 by default), at least as long as the hash: only
   * for an issuer you run yourself. Without it no HS* token is ever accepted.
   */
  readonly secret?: string | Uint8Array;
  /**
   * The accepted algorithms. Default `RS256`, `ES256`, `PS256` and `EdDSA` for keys, `HS256` for a
   * secret. `none` is refused, and so is HS* without `secret` or a key algorithm with it.
   */
  readonly algorithms?: readonly JwtAlgorithm[];
  /**
   * The accepted `iss`: one, any of several, or a function, for an issuer URL that holds the tenant
   * (Entra ID's `https://login.microsoftonline.com/{tid}/v2.0`).
   */
  readonly issuer: string | readonly string[] | ((issuer: string, claims: JwtClaims) => boolean);
  /** `aud` must hold this value, or one of these: your API's identifier at the issuer. */
  readonly audience: string | readonly string[];
  /** Clock difference allowed with the issuer when checking `exp` and `nbf`, in seconds (default 60). */
  readonly clockToleranceSeconds?: number;
  /** The `typ` header required, such as `at+jwt` (RFC 9068 §2.1); none by default, as Entra sends `JWT`. */
  readonly tokenType?: string;
  /** The claim that names the tenant (default `tid`, as Entra ID), or a function of the claims. */
  readonly tenantClaim?: string | ((claims: JwtClaims) => string | undefined);
  /**
   * The claims scopes are read from (default `scope`, `scp` and `roles`), each a space-separated
   * string or an array. `false`: scopes are not read and every valid token is unrestricted.
   */
  readonly scopeClaims?: readonly string[] | false;
  /**
   * What the scopes or app roles of your issuer grant, for names other than `scim:read` and
   * `scim:write` (which always grant themselves). A scope that maps to nothing grants nothing.
   */
  readonly scopeMap?: Readonly<Record<string, ScimScope | readonly ScimScope[]>>;
  /** How long a JWKS fetch may take before the request is refused, in ms (default 5,000). */
  readonly jwksTimeoutMs?: number;
  /** The least time between two JWKS fetches for an unknown `kid`, in ms (default 30,000). */
  readonly jwksCooldownMs?: number;
  /** How long fetched keys are used before they are fetched again, in ms (default 600,000). */
  readonly jwksCacheMaxAgeMs?: number;
  /**
   * Answers a bearer token that is not a JWT, such as `tokenAuthenticator({ store })`, so one
   * endpoint takes both. A JWT never reaches it, whether it verifies or not.
   */
  readonly opaqueTokens?: (request: Request) => Other | Promise<Other>;
  /** The `realm` of the `WWW-Authenticate: Bearer` challenge (RFC 6750 §3); none by default. */
  readonly realm?: string;
  /**
   * Told of every refused token, after the 401 is decided (a throw here changes nothing). Default:
   * `console.error` for `keys_unavailable` and `invalid_key`, the refusals the server must fix.
   */
  readonly onRejected?: (rejection: JwtRejection, request: Request) => void;
  /** The clock (default `new Date()`), for tests. */
  readonly now?: () => Date;
}

/**
 * Makes an `authenticate` for `createScimHandler` that accepts `Authorization: Bearer <JWT>` access
 * tokens (OAuth 2.0 client credentials, RFC 9068): signed by the issuer's key with an accepted
 * algorithm, from an accepted `iss`, for this `aud`, not expired. The tenant comes from a claim
 * (`tid` by default) and the scopes from `scope`, `scp` and `roles`, so a read-only token is 403
 * `insufficient_scope` on a write. Every refusal is 401 with `WWW-Authenticate: Bearer
 * error="invalid_token"`; `opaqueTokens` takes the bearer tokens that are not JWTs.
 * @example
 * ```ts
 * const handler = createScimHandler({
 *   stores,
 *   authenticate: jwtAuthenticator({
 *     jwksUri: 'https://auth.example.com/.well-known/jwks.json',
 *     issuer: 'https://auth.example.com/',
 *     audience: 'https://scim.example.com',
 *     tenantClaim: 'org_id',
 *     opaqueTokens: tokenAuthenticator({ store: tokenStore }),
 *   }),
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export function jwtAuthenticator<Other extends Authentication = never>(
  options: JwtAuthenticatorOptions<Other>,
): (request: Request) => Promise<JwtAuthentication | Other> {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`${OWNER}: options must be an object`);
  const { key, algorithms } = readVerificationKeys(options);
  const issuer = readIssuer(options.issuer);
  const audience = readStrings(options.audience, 'audience');
  const tolerance = options.clockToleranceSeconds ?? 60;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0)
    throw new TypeError(`${OWNER}: clockToleranceSeconds must be a number of seconds, 0 or more`);
  const tokenType = options.tokenType;
  if (tokenType !== undefined && (typeof tokenType !== 'string' || tokenType === ''))
    throw new TypeError(`${OWNER}: tokenType must be a non-empty string`);
  const tenantOf = readTenantClaim(options.tenantClaim);
  const scopesOf = readScopeOptions(options.scopeClaims, options.scopeMap);
  const opaque = options.opaqueTokens;
  if (opaque !== undefined && typeof opaque !== 'function')
    throw new TypeError(`${OWNER}: opaqueTokens must be an authenticate function`);
  const onRejected = options.onRejected ?? logRejection;
  if (typeof onRejected !== 'function')
    throw new TypeError(`${OWNER}: onRejected must be a function`);
  const now = options.now;
  const challenge = bearerChallenge(readRealm(options.realm, OWNER));
  const verifyOptions: JWTVerifyOptions = {
    algorithms: [...algorithms],
    audience: [...audience],
    clockTolerance: tolerance,
    // A token without an expiry would be good forever (RFC 7644 §7.4: bearer tokens have a limited
    // lifetime); `iss` is checked below when a function decides it.
    requiredClaims: ['exp', 'iss'],
    ...(typeof issuer === 'function' ? {} : { issuer: [...issuer] }),
    ...(tokenType === undefined ? {} : { typ: tokenType }),
  };

  function refuse(refused: JwtRejection, request: Request): never {
    try {
      onRejected(refused, request);
    } catch {
      // A failing reporter has no one left to report to, and changes no answer.
    }
    throw ScimError.unauthorized(refused.message, challenge('invalid_token'));
  }

  return async (request) => {
    const token = readBearerToken(request, challenge);
    if (!isJwt(token)) {
      if (opaque !== undefined) return opaque(request);
      return refuse(rejection('malformed'), request);
    }
    let claims: JwtClaims;
    try {
      claims = await verify(token, key, {
        ...verifyOptions,
        ...(now === undefined ? {} : { currentDate: now() }),
      });
    } catch (error) {
      return refuse(rejectionOf(error), request);
    }
    const iss = claims.iss;
    if (typeof iss !== 'string') return refuse(rejection('malformed'), request);
    if (typeof issuer === 'function' && issuer(iss, claims) !== true)
      return refuse(rejection('invalid_issuer'), request);
    const tenant = tenantOf(claims);
    if (tenant === undefined) return refuse(rejection('missing_tenant'), request);
    const principal: JwtPrincipal = Object.freeze({
      issuer: iss,
      subject: stringClaim(claims, 'sub'),
      clientId:
        stringClaim(claims, 'client_id') ??
        stringClaim(claims, 'azp') ??
        stringClaim(claims, 'appid'),
      claims,
    });
    const scopes = scopesOf?.(claims).scim;
    return Object.freeze({ principal, tenant, ...(scopes === undefined ? {} : { scopes }) });
  };
}

/**
 * A bearer token is taken for a JWT when its first part decodes to a JOSE header, a JSON object
 * with `alg`: an opaque token (`scim_…`, or any token68 with dots) does not, so it goes to
 * `opaqueTokens` however it is spelled, and a JWT (unsigned, encrypted or malformed ones included,
 * which are then refused by the JWT rules) never costs a token store lookup.
 */
function isJwt(token: string): boolean {
  try {
    return typeof decodeProtectedHeader(token).alg === 'string';
  } catch {
    return false;
  }
}

/**
 * jose's `jwtVerify`, and, for a token without `kid` that several keys of the set could have
 * signed, each of those keys in turn (jose leaves that choice to its caller). A candidate that
 * cannot verify at all (an RSA key under 2048 bits, a key of another type) is passed over, so the
 * order of the set changes no answer; a claim that fails (`exp`, `aud`, …) ends the search, since
 * the signature was good. With no candidate verifying, the token's signature is refused, or its key
 * if every candidate was unusable.
 */
async function verify(
  token: string,
  key: Parameters<typeof jwtVerify>[1],
  options: JWTVerifyOptions,
): Promise<JwtClaims> {
  try {
    return Object.freeze((await jwtVerify(token, key, options)).payload);
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
    let unusable: TypeError | undefined;
    let mismatched = false;
    for await (const candidate of error) {
      try {
        return Object.freeze((await jwtVerify(token, candidate, options)).payload);
      } catch (failure) {
        if (failure instanceof errors.JWSSignatureVerificationFailed) mismatched = true;
        else if (isKeyFailure(failure)) unusable = failure;
        else throw failure;
      }
    }
    if (unusable !== undefined && !mismatched) throw unusable;
    throw new errors.JWSSignatureVerificationFailed();
  }
}

/**
 * jose's refusal of the key rather than of the token: a TypeError (a short RSA modulus, a key of
 * another type or use). Its own errors (JOSEError) are about the token, the same for every key.
 */
function isKeyFailure(failure: unknown): failure is TypeError {
  return failure instanceof TypeError;
}

function readIssuer(
  value: unknown,
): readonly string[] | ((issuer: string, claims: JwtClaims) => boolean) {
  if (typeof value === 'function') return value as (issuer: string, claims: JwtClaims) => boolean;
  return readStrings(value, 'issuer');
}

function readStrings(value: unknown, name: string): readonly string[] {
  const list: unknown[] = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length === 0 || list.some((item) => typeof item !== 'string' || item === ''))
    throw new TypeError(
      `${OWNER}: ${name} must be a non-empty string or a non-empty array of them${name === 'issuer' ? ', or a function' : ''}`,
    );
  return Object.freeze([...(list as string[])]);
}

function stringClaim(claims: JwtClaims, name: string): string | undefined {
  const value = Object.hasOwn(claims, name) ? claims[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

function logRejection(refused: JwtRejection): void {
  if (refused.code === 'keys_unavailable' || refused.code === 'invalid_key')
    console.error(`[scim] ${OWNER}: ${refused.message}:`, refused.cause);
}
