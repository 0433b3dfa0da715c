// Conditional requests with ETags (RFC 7644 §3.14, RFC 7232).
import { ScimError, type ScimResource } from '@scim/core';
import type { Engine } from '../engine.js';

/** Tags compare weakly: `W/"x"` and `"x"` are the same version (checklist P-ETAG-07). */
function opaque(tag: string): string {
  return tag.trim().replace(/^W\//i, '');
}

function tagsOf(header: string): string[] {
  return header
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
}

/**
 * Whether the resource has a version the header (`If-Match` or `If-None-Match`) names, `*` naming
 * any version of a resource that exists.
 */
export function matchesTags(header: string, resource: ScimResource | undefined): boolean {
  if (resource === undefined) return false;
  const tags = tagsOf(header);
  if (tags.includes('*')) return true;
  const current = resource.meta?.version;
  return current !== undefined && tags.some((tag) => opaque(tag) === opaque(current));
}

/**
 * `If-Match` on PUT, PATCH and DELETE: a stale version is 412 and nothing changes (P-ETAG-06,
 * P-ETAG-09); `*` needs the resource to exist (P-ETAG-08). Ignored when ETags are switched off.
 */
export function checkIfMatch(
  engine: Engine,
  ifMatch: string | undefined,
  existing: ScimResource | undefined,
): void {
  if (!engine.features.etag || ifMatch === undefined) return;
  if (!matchesTags(ifMatch, existing))
    throw ScimError.preconditionFailed('The resource has changed since the version in If-Match');
}

/** `If-None-Match` on GET: the client's copy is current, so 304 without a body (P-ETAG-04). */
export function notModified(
  engine: Engine,
  ifNoneMatch: string | undefined,
  resource: ScimResource,
): boolean {
  return engine.features.etag && ifNoneMatch !== undefined && matchesTags(ifNoneMatch, resource);
}
