// What a caller may do, as OAuth scopes (RFC 6749 §3.3): two of them, because the line that matters
// to an identity provider or an auditing tool is between reading and changing. A request needs
// exactly one, so a refusal can name it.
import { ScimError } from '@scim/core';

/**
 * The scopes the handler checks. `scim:read` covers GET and the `.search` queries; `scim:write`
 * covers POST, PUT, PATCH, DELETE and `POST /Bulk` (whose operations are all writes). A provisioning
 * client (Entra ID, Okta) reads before it writes and needs both, or no `scopes` at all. `scim:write`
 * alone still reads what it writes: a POST, PUT or PATCH answers with the resource it wrote (RFC
 * 7644 §3.3, §3.5), so a write-only token is not a way to hide data from its holder. Discovery
 * endpoints need none.
 * @example `await tokens.issue({ tenant: 'acme', label: 'audit', scopes: [SCIM_SCOPES.read] })`
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export const SCIM_SCOPES = Object.freeze({ read: 'scim:read', write: 'scim:write' } as const);

/**
 * One of {@link SCIM_SCOPES}.
 * @example `const needed: ScimScope = 'scim:write'`
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export type ScimScope = (typeof SCIM_SCOPES)[keyof typeof SCIM_SCOPES];

const KNOWN: ReadonlySet<string> = new Set(Object.values(SCIM_SCOPES));
// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), no space, quote or backslash, so a
// scope can stand inside the quoted `scope` parameter of a challenge as it is.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * Checks a token's scopes when it is issued: a non-empty list of distinct scope-tokens. Scopes of
 * the `scim:` namespace, in any case, must be known ones, so a typo (`scim:wirte`, `SCIM:read`)
 * fails at once instead of making a token that is refused later; other scopes are the
 * application's own.
 */
export function readScopes(scopes: unknown, owner: string): readonly string[] | undefined {
  if (scopes === undefined) return undefined;
  if (!Array.isArray(scopes) || scopes.length === 0)
    throw new TypeError(
      `${owner}: scopes must be a non-empty array (leave it out for a token without restrictions)`,
    );
  const seen = new Set<string>();
  for (const scope of scopes as unknown[]) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope))
      throw new TypeError(
        `${owner}: ${JSON.stringify(scope)} is not a scope (RFC 6749 §3.3: printable ASCII without spaces, " or \\)`,
      );
    // Scopes compare exactly, so `SCIM:read` would be a scope nobody checks for.
    if (scope.toLowerCase().startsWith('scim:') && !KNOWN.has(scope))
      throw new TypeError(
        `${owner}: unknown scope '${scope}'; the SCIM scopes are ${[...KNOWN].join(', ')}`,
      );
    if (seen.has(scope)) throw new TypeError(`${owner}: scope '${scope}' is listed twice`);
    seen.add(scope);
  }
  return Object.freeze([...seen]);
}

/**
 * 403 for a caller without the scope a request needs, with the challenge RFC 6750 §3.1 defines for
 * it, so an OAuth client can ask for a token with more scope.
 */
export function insufficientScope(
  needed: ScimScope,
  request: string,
  granted: readonly string[],
): ScimError {
  const has = granted.length === 0 ? 'no scopes' : `only ${granted.join(', ')}`;
  return new ScimError({
    status: 403,
    detail: `The credential may not ${request}: that needs the scope '${needed}', and it has ${has}`,
    headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${needed}"` },
  });
}
