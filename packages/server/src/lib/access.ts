// Who may ask: transport security, then the caller and what its scopes allow, settled once per
// request (a bulk request's operations act as its caller and are not authenticated again).
import { ScimError } from '@scim/core';
import type { Engine } from './engine.js';
import type { Authentication } from './options.js';
import { noEndpoint, ROUTES, type RouteMatch } from './route.js';
import { insufficientScope, SCIM_SCOPES, type ScimScope } from './tokens/scopes.js';

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * SCIM only over TLS (RFC 7644 §7.2, checklist P-SEC-01), loopback excepted for development. A
 * configured `baseUrl` is the endpoint's public address and decides, whatever the Host header says.
 */
export function checkTransport(engine: Engine, request: Request, url: URL): void {
  const transport = engine.transport;
  if (transport.allowInsecureHttp) return;
  const publicUrl = engine.publicUrl ?? url;
  if (publicUrl.protocol === 'https:' || LOOPBACK.test(publicUrl.hostname)) return;
  if (engine.publicUrl === undefined && transport.trustForwardedProto) {
    const forwarded = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim();
    if (forwarded?.toLowerCase() === 'https') return;
  }
  throw ScimError.forbidden(
    'SCIM requires HTTPS (RFC 7644 §7.2); this request came over plain HTTP',
  );
}

/**
 * The caller, as `authenticate` decides, once its scopes are found to allow the request; discovery
 * is public unless `authenticateDiscovery`. `admitted` is a caller a multi-tenant handler has
 * already authenticated (to learn its tenant): it is not asked again, but its scopes still count.
 */
export async function authenticate(
  engine: Engine,
  request: Request,
  match: RouteMatch,
  admitted?: Authentication,
): Promise<Authentication | undefined> {
  let caller = admitted;
  if (caller === undefined) {
    if (engine.authenticate === undefined) return undefined;
    if (match.isDiscovery && !engine.authenticateDiscovery) return undefined;
    caller = await engine.authenticate(request);
  }
  // Checked before the body is read: a refused caller costs no parsing.
  if (caller.scopes !== undefined) checkScopes(scopesOf(caller.scopes), match, request);
  return caller;
}

/**
 * The caller as a tenant's handler serves it: a credential that names another tenant than the one
 * the handler serves is answered as a path that names no endpoint (404), so a valid credential of
 * tenant A cannot learn that tenant B exists; a credential that names none acts in the handler's.
 */
export function bindTenant(
  engine: Engine,
  caller: Authentication | undefined,
  pathname: string,
): Authentication | undefined {
  const tenant = engine.tenant;
  if (tenant === undefined || caller === undefined || caller.tenant === tenant) return caller;
  if (caller.tenant !== undefined) throw noEndpoint(pathname);
  return { ...caller, tenant };
}

/**
 * The caller's scopes, refused unless they are an array: a string (a JWT's space-separated `scope`
 * claim passed through) would be searched by substring, and `'scim:writeback'` would grant
 * `scim:write`. A wrong `authenticate` is the application's bug, so it is a 500 through the one
 * error path (and `onError`), like any other, rather than a 403 that blames the client.
 */
function scopesOf(scopes: unknown): readonly unknown[] {
  if (!Array.isArray(scopes))
    throw new TypeError(
      `authenticate returned scopes of type ${typeof scopes}; Authentication.scopes must be an array of strings (split a space-separated OAuth scope claim first)`,
    );
  return scopes;
}

/**
 * The one scope check (RFC 6750 §3.1): a caller whose `scopes` lack the one the request needs is
 * 403 `insufficient_scope`. A bulk request needs `scim:write` as a whole, since every operation it
 * may hold is a write.
 */
function checkScopes(scopes: readonly unknown[], match: RouteMatch, request: Request): void {
  const method = request.method.toUpperCase();
  const needed = requiredScope(match, method);
  // Array.prototype.includes compares with SameValueZero: whole scopes, exactly as written.
  if (needed === undefined || scopes.includes(needed)) return;
  const { pathname } = new URL(request.url);
  throw insufficientScope(needed, `${method} ${pathname}`, scopes.map(String));
}

/** Discovery needs nothing; a method the endpoint does not take needs nothing either (405 follows). */
function requiredScope(match: RouteMatch, method: string): ScimScope | undefined {
  if (match.isDiscovery) return undefined;
  const methods: readonly string[] = ROUTES[match.name];
  if (!methods.includes(method)) return undefined;
  // A `.search` is a query sent as POST (RFC 7644 §3.4.3).
  const reads = method === 'GET' || match.name === 'search' || match.name === 'rootSearch';
  return reads ? SCIM_SCOPES.read : SCIM_SCOPES.write;
}
