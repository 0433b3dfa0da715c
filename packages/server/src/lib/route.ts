// Stage 1, route: which endpoint a path names, and which methods it takes. The table is data: 405
// and its `Allow` header come from it, and bulk operations are routed through it too.
import { ScimError, type ScimResourceType } from '@scim/core';
import type { Engine } from './engine.js';

/** Every endpoint of RFC 7644 §3.2, with the methods it answers. */
export const ROUTES = {
  /** `GET /` queries every resource type (§3.4.2.1). */
  root: ['GET'],
  /** `POST /.search` (§3.4.3). */
  rootSearch: ['POST'],
  bulk: ['POST'],
  serviceProviderConfig: ['GET'],
  resourceTypes: ['GET'],
  schemas: ['GET'],
  me: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
  /** `/Users`: query and create. */
  collection: ['GET', 'POST'],
  /** `/Users/.search`. */
  search: ['POST'],
  /** `/Users/{id}`. */
  resource: ['GET', 'PUT', 'PATCH', 'DELETE'],
} as const satisfies Record<string, readonly string[]>;

export type RouteName = keyof typeof ROUTES;

/** A path matched to its endpoint: the resource type and id it names, if any. */
export interface RouteMatch {
  readonly name: RouteName;
  readonly resourceType?: ScimResourceType;
  /** A resource's id, or the id of a discovery resource (`/Schemas/{id}`). */
  readonly id?: string;
  /** Discovery endpoints are public unless `authenticateDiscovery` is set (RFC 7643 §5). */
  readonly isDiscovery: boolean;
}

const DISCOVERY: Readonly<Record<string, RouteName>> = {
  serviceproviderconfig: 'serviceProviderConfig',
  resourcetypes: 'resourceTypes',
  schemas: 'schemas',
};

/** The endpoint a request path names, 404 when none (or invalidVers for another SCIM version). */
export function routeOf(engine: Engine, pathname: string): RouteMatch {
  return matchSegments(engine, pathSegments(engine, pathname), pathname);
}

/** The endpoint a list of path segments below the base path names. */
export function matchSegments(
  engine: Engine,
  segments: readonly string[],
  pathname: string,
): RouteMatch {
  const [first, second, third] = segments;
  if (first === undefined) return { name: 'root', isDiscovery: false };
  if (segments.length === 1 && first === '.search')
    return { name: 'rootSearch', isDiscovery: false };
  if (segments.length === 1 && first.toLowerCase() === 'bulk')
    return { name: 'bulk', isDiscovery: false };
  const discovery = DISCOVERY[first.toLowerCase()];
  if (discovery !== undefined) {
    if (segments.length > 2 || (discovery === 'serviceProviderConfig' && segments.length > 1))
      throw ScimError.notFound('Not found');
    return second === undefined
      ? { name: discovery, isDiscovery: true }
      : { name: discovery, id: second, isDiscovery: true };
  }
  if (segments.length === 1 && first.toLowerCase() === 'me')
    return { name: 'me', isDiscovery: false };
  const resourceType = engine.byEndpoint(first);
  if (resourceType === undefined || segments.length > 2 || third !== undefined)
    throw noEndpoint(pathname);
  if (second === undefined) return { name: 'collection', resourceType, isDiscovery: false };
  if (second === '.search') return { name: 'search', resourceType, isDiscovery: false };
  return { name: 'resource', resourceType, id: second, isDiscovery: false };
}

/**
 * The 404 for a path that names no endpoint. A multi-tenant handler answers an unknown tenant, and a
 * credential of another tenant, with this very error, so neither tells a caller that a tenant exists.
 */
export function noEndpoint(pathname: string): ScimError {
  return ScimError.notFound(`No endpoint ${pathname}`);
}

/** 405 with `Allow` when the endpoint does not take the method (RFC 7231 §6.5.5). */
export function checkMethod(match: RouteMatch, method: string): void {
  const methods: readonly string[] = ROUTES[match.name];
  if (!methods.includes(method)) throw ScimError.methodNotAllowed(methods);
}

/** The path below the base path, with an optional `/v2` (RFC 7644 §3.13); another version is invalidVers. */
function pathSegments(engine: Engine, pathname: string): string[] {
  const base = engine.basePath;
  if (pathname !== base && !pathname.startsWith(`${base}/`)) {
    // A base path that ends in a version (/scim/v2) makes /scim/v3/… a version error, not a 404.
    const versioned = /^(.*)\/v\d+$/i.exec(base);
    const prefix = versioned?.[1];
    if (prefix !== undefined && pathname.startsWith(`${prefix}/`)) {
      const version = pathname.slice(prefix.length + 1).split('/')[0] ?? '';
      if (/^v\d+$/i.test(version))
        throw ScimError.invalidVers(`SCIM version ${version} is not supported; use v2`);
    }
    throw ScimError.notFound(`${pathname} is not under ${base || '/'}`);
  }
  const segments = decodedSegments(pathname.slice(base.length));
  const version = segments[0];
  if (
    version !== undefined &&
    /^v\d+$/i.test(version) &&
    engine.byEndpoint(version) === undefined
  ) {
    if (version.toLowerCase() !== 'v2')
      throw ScimError.invalidVers(`SCIM version ${version} is not supported; use v2`);
    segments.shift();
  }
  return segments;
}

/** A path's non-empty segments, percent-decoded; a malformed escape names no endpoint. */
export function decodedSegments(path: string): string[] {
  return path
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        throw ScimError.notFound('Malformed path');
      }
    });
}
