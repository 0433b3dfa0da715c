// What a verified access token says about its caller: the tenant (a claim, `tid` as Entra ID puts
// it, or the application's own function) and the scopes, read from `scope` (space-separated, RFC
// 9068 §2.2.3), `scp` (Entra ID's delegated scopes, Okta's array) and `roles` (Entra ID's app roles
// for client credentials), then mapped to SCIM_SCOPES. Anything the mapping does not name grants
// nothing: a token is never given a scope by a typo or by a name that merely looks like one.
import { SCIM_SCOPES, type ScimScope } from './scopes.js';

const OWNER = 'jwtAuthenticator';

/**
 * The claims of a verified token, as its issuer wrote them.
 * @example `{ iss: 'https://login.microsoftonline.com/72f9…/v2.0', aud: 'api://scim', tid: '72f9…', roles: ['SCIM.Read'], exp: 1767225600 }`
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-4
 */
export type JwtClaims = Readonly<Record<string, unknown>>;

/** The claims whose scopes count by default: RFC 9068's `scope`, `scp` and Entra ID's `roles`. */
const DEFAULT_SCOPE_CLAIMS = Object.freeze(['scope', 'scp', 'roles']);
const SCIM_ORDER: readonly ScimScope[] = [SCIM_SCOPES.read, SCIM_SCOPES.write];
// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Reads a token's tenant from its claims; undefined when it names none. */
export type TenantReader = (claims: JwtClaims) => string | undefined;

/** The `tenantClaim` option as a reader: a claim's non-empty string, or the application's function. */
export function readTenantClaim(value: unknown): TenantReader {
  if (typeof value === 'function') {
    const read = value as (claims: JwtClaims) => unknown;
    return (claims) => nonEmpty(read(claims));
  }
  const claim = value ?? 'tid';
  if (typeof claim !== 'string' || claim === '')
    throw new TypeError(`${OWNER}: tenantClaim must be a claim name or a function of the claims`);
  return (claims) => (Object.hasOwn(claims, claim) ? nonEmpty(claims[claim]) : undefined);
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A token's scopes: every scope its claims grant, and the SCIM scopes those map to. */
export interface TokenScopes {
  readonly granted: readonly string[];
  readonly scim: readonly ScimScope[];
}

/** Reads a token's scopes from its claims. */
export type ScopeReader = (claims: JwtClaims) => TokenScopes;

/** The `scopeClaims` and `scopeMap` options as a reader, checked once; none with `scopeClaims: false`. */
export function readScopeOptions(
  claimsOption: unknown,
  mapOption: unknown,
): ScopeReader | undefined {
  if (claimsOption === false) {
    if (mapOption !== undefined)
      throw new TypeError(`${OWNER}: scopeMap has no use with scopeClaims: false`);
    return undefined;
  }
  const names = claimsOption ?? DEFAULT_SCOPE_CLAIMS;
  if (
    !Array.isArray(names) ||
    names.length === 0 ||
    names.some((name) => typeof name !== 'string' || name === '')
  )
    throw new TypeError(
      `${OWNER}: scopeClaims must be a non-empty array of claim names, or false to not read scopes`,
    );
  const claims = [...new Set(names as string[])];
  const map = readScopeMap(mapOption);
  return (payload) => {
    const granted = new Set<string>();
    for (const claim of claims) {
      if (!Object.hasOwn(payload, claim)) continue;
      for (const scope of scopesOf(payload[claim])) granted.add(scope);
    }
    const scim = new Set<ScimScope>();
    for (const scope of granted) for (const mapped of map.get(scope) ?? []) scim.add(mapped);
    return {
      granted: Object.freeze([...granted]),
      scim: Object.freeze(SCIM_ORDER.filter((scope) => scim.has(scope))),
    };
  };
}

/**
 * A claim's scopes: a space-separated string (`scope`, Entra ID's `scp`) or an array of strings
 * (`roles`, Okta's `scp`). A claim of another shape grants nothing.
 */
function scopesOf(value: unknown): readonly string[] {
  if (typeof value === 'string') return value.split(' ').filter((scope) => scope !== '');
  if (Array.isArray(value))
    return value.filter((scope): scope is string => typeof scope === 'string' && scope !== '');
  return [];
}

/** The scope names that grant SCIM scopes: the SCIM scopes themselves, and the application's. */
function readScopeMap(value: unknown): ReadonlyMap<string, readonly ScimScope[]> {
  const map = new Map<string, readonly ScimScope[]>(SCIM_ORDER.map((scope) => [scope, [scope]]));
  if (value === undefined) return map;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError(`${OWNER}: scopeMap must be an object of scope names to SCIM scopes`);
  for (const [name, target] of Object.entries(value)) {
    if (!SCOPE_TOKEN.test(name))
      throw new TypeError(
        `${OWNER}: scopeMap key ${JSON.stringify(name)} is not a scope (RFC 6749 §3.3: printable ASCII without spaces, " or \\)`,
      );
    const targets: unknown[] = Array.isArray(target) ? (target as unknown[]) : [target];
    for (const scope of targets)
      if (!(SCIM_ORDER as readonly unknown[]).includes(scope))
        throw new TypeError(
          `${OWNER}: scopeMap['${name}'] must be ${SCIM_ORDER.join(' or ')}, or an array of them; got ${JSON.stringify(scope)}`,
        );
    map.set(name, Object.freeze([...new Set(targets as ScimScope[])]));
  }
  return map;
}
